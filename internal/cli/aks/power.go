package aks

import (
	"net/http"

	"github.com/aksnet/aksnet/internal/cli/client"
	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/flags"
	"github.com/spf13/cobra"
)

// powerFlags are `aks stop` and `aks start`'s: -g, -n and --no-wait.
type powerFlags struct {
	clusterFlags
	noWait bool
}

func newStopCommand(s command.Streams, g *command.Globals) *cobra.Command {
	return newPowerCommand(s, g, "stop", "Stop a managed cluster.", true)
}

func newStartCommand(s command.Streams, g *command.Globals) *cobra.Command {
	return newPowerCommand(s, g, "start", "Start a previously stopped Managed Cluster.", false)
}

// newPowerCommand is az's aks_stop / aks_start (azure-cli acs/custom.py):
// stop reads the cluster first (so a missing one is the GET's
// ResourceNotFound), then POSTs the action and, unless --no-wait, follows
// its operation to the end; neither prints anything on success (the
// poller's result is None).
func newPowerCommand(s command.Streams, g *command.Globals, action, short string, readFirst bool) *cobra.Command {
	f := &powerFlags{}
	cmd := &cobra.Command{Use: action, Short: short, Args: cobra.NoArgs}
	return command.Leaf(s, g, cmd, flags.Cobra, func(a *flags.Set) {
		f.args()(a)
		a.NoWait(&f.noWait)
	}, func(e *command.Env) error {
		path := e.Client.ClusterPath(f.rg, f.name)
		if readFirst {
			if _, err := e.Client.Call(http.MethodGet, path, client.APIAKS, nil); err != nil {
				return err
			}
		}
		if f.noWait {
			_, err := e.Client.Call(http.MethodPost, path+"/"+action, client.APIAKS, nil)
			return err
		}
		_, err := e.PostAction(path+"/"+action, client.APIAKS, nil)
		return err
	})
}
