package workload

import (
	"net/http"

	"github.com/aksnet/aksnet/internal/cli/client"
	"github.com/aksnet/aksnet/internal/cli/command"
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

func (w aksWorkload[V]) path(e *command.Env, rg, cluster, name string) string {
	return e.Client.ClusterPath(rg, cluster) + "/" + w.collection + "/" + name
}

func (w aksWorkload[V]) list(s command.Streams, g *command.Globals) *cobra.Command {
	f := &aksPodFlags{}
	cmd := &cobra.Command{Use: "list", Short: w.listShort, Args: cobra.NoArgs}
	a := f.declare(cmd, false)
	a.Done()
	cmd.RunE = command.RunE(s, g, a, func(e *command.Env) error {
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
	return cmd
}

func (w aksWorkload[V]) show(s command.Streams, g *command.Globals) *cobra.Command {
	f := &aksPodFlags{}
	cmd := &cobra.Command{Use: "show", Short: w.showShort, Args: cobra.NoArgs}
	a := f.declare(cmd, true)
	a.Done()
	cmd.RunE = command.RunE(s, g, a, func(e *command.Env) error {
		r, err := e.Client.Call(http.MethodGet, w.path(e, f.rg, f.cluster, f.name), client.APIAKS, nil)
		if err != nil {
			return err
		}
		v, err := w.view(r.Body)
		if err != nil {
			return err
		}
		return e.PrintValue(v)
	})
	return cmd
}

func (w aksWorkload[V]) delete(s command.Streams, g *command.Globals) *cobra.Command {
	f := &aksPodFlags{}
	cmd := &cobra.Command{Use: "delete", Short: w.deleteShort, Args: cobra.NoArgs}
	a := f.declare(cmd, true)
	a.Done()
	cmd.RunE = command.RunE(s, g, a, func(e *command.Env) error {
		return e.Delete(w.path(e, f.rg, f.cluster, f.name), client.APIAKS, false)
	})
	return cmd
}
