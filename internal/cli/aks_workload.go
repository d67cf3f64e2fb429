package cli

import (
	"net/http"

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

func (w aksWorkload[V]) path(e *env, rg, cluster, name string) string {
	return e.aksClusterPath(rg, cluster) + "/" + w.collection + "/" + name
}

func (w aksWorkload[V]) list(s Streams, g *command.Globals) *cobra.Command {
	f := &aksPodFlags{}
	cmd := &cobra.Command{
		Use: "list", Short: w.listShort, Args: cobra.NoArgs,
		RunE: cmdRun(s, g, func(e *env, _ *cobra.Command, _ []string) error {
			if err := f.check(false); err != nil {
				return err
			}
			items, err := e.Client.ListItems(e.aksClusterPath(f.rg, f.cluster)+"/"+w.collection, apiAKS)
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
		}),
	}
	f.bind(cmd, false)
	return cmd
}

func (w aksWorkload[V]) show(s Streams, g *command.Globals) *cobra.Command {
	f := &aksPodFlags{}
	cmd := &cobra.Command{
		Use: "show", Short: w.showShort, Args: cobra.NoArgs,
		RunE: cmdRun(s, g, func(e *env, _ *cobra.Command, _ []string) error {
			if err := f.check(true); err != nil {
				return err
			}
			r, err := e.Client.Call(http.MethodGet, w.path(e, f.rg, f.cluster, f.name), apiAKS, nil)
			if err != nil {
				return err
			}
			v, err := w.view(r.Body)
			if err != nil {
				return err
			}
			return e.PrintValue(v)
		}),
	}
	f.bind(cmd, true)
	return cmd
}

func (w aksWorkload[V]) delete(s Streams, g *command.Globals) *cobra.Command {
	f := &aksPodFlags{}
	cmd := &cobra.Command{
		Use: "delete", Short: w.deleteShort, Args: cobra.NoArgs,
		RunE: cmdRun(s, g, func(e *env, _ *cobra.Command, _ []string) error {
			if err := f.check(true); err != nil {
				return err
			}
			return e.Delete(w.path(e, f.rg, f.cluster, f.name), apiAKS, false)
		}),
	}
	f.bind(cmd, true)
	return cmd
}
