package workload

import (
	"net/http"

	"github.com/aksnet/aksnet/internal/cli/client"
	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/flags"
	"github.com/spf13/cobra"
)

// aksWorkload is a collection of aksnet workloads under a cluster (pods,
// services) whose list, show and delete commands differ only in names and
// in how a document is printed.
type aksWorkload[V any] struct {
	collection                        string // the child type, e.g. "pods"
	listShort, showShort, deleteShort string
	view                              func(raw []byte) (V, error)
}

func (w aksWorkload[V]) path(e *command.Env, f *aksPodFlags) string {
	return e.Client.ClusterPath(f.rg, f.cluster) + "/" + w.collection + "/" + f.name
}

// fetch sends method (with body, when not nil) to the workload f names and
// returns the server's answer as w views it.
func (w aksWorkload[V]) fetch(e *command.Env, method string, f *aksPodFlags, body any) (V, error) {
	r, err := e.Client.Call(method, w.path(e, f), client.APIAKS, body)
	if err != nil {
		var zero V
		return zero, err
	}
	return w.view(r.Body)
}

// print is fetch, printing the workload.
func (w aksWorkload[V]) print(e *command.Env, method string, f *aksPodFlags, body any) error {
	v, err := w.fetch(e, method, f, body)
	if err != nil {
		return err
	}
	return e.PrintValue(v)
}

func (w aksWorkload[V]) list(s command.Streams, g *command.Globals) *cobra.Command {
	f := &aksPodFlags{}
	cmd := &cobra.Command{Use: "list", Short: w.listShort, Args: cobra.NoArgs}
	return command.Leaf(s, g, cmd, flags.Cobra, f.args(false), func(e *command.Env) error {
		items, err := e.Client.ListItems(e.Client.ClusterPath(f.rg, f.cluster)+"/"+w.collection, client.APIAKS)
		if err != nil {
			return err
		}
		out := make([]V, 0, len(items))
		for _, raw := range items {
			v, err := w.view(raw)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return e.PrintValue(out)
	})
}

func (w aksWorkload[V]) show(s command.Streams, g *command.Globals) *cobra.Command {
	f := &aksPodFlags{}
	cmd := &cobra.Command{Use: "show", Short: w.showShort, Args: cobra.NoArgs}
	return command.Leaf(s, g, cmd, flags.Cobra, f.args(true), func(e *command.Env) error {
		return w.print(e, http.MethodGet, f, nil)
	})
}

func (w aksWorkload[V]) delete(s command.Streams, g *command.Globals) *cobra.Command {
	f := &aksPodFlags{}
	cmd := &cobra.Command{Use: "delete", Short: w.deleteShort, Args: cobra.NoArgs}
	return command.Leaf(s, g, cmd, flags.Cobra, f.args(true), func(e *command.Env) error {
		return e.Delete(w.path(e, f), client.APIAKS, false)
	})
}
