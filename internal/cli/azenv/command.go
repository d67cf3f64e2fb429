package azenv

import (
	"fmt"
	"os"

	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/flags"
	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/aksnet/aksnet/internal/statedir"
	"github.com/spf13/cobra"
)

// NewCommand is `aksnet az-env`: eval "$(aksnet az-env)" points the
// real Azure CLI at the running server.
func NewCommand(s command.Streams, g *command.Globals) *cobra.Command {
	var undo, keepHome bool
	az := "az"
	cmd := &cobra.Command{
		Use:   "az-env",
		Short: "Print shell code that points the real Azure CLI at this aksnet server.",
		Long: `Prepare an isolated Azure CLI configuration for the aksnet server and print the
shell code that selects it:

    eval "$(aksnet az-env)"

It registers the server as a cloud (ADFS-style authority, Microsoft Graph
resource id, latest profile) and selects it, turns off telemetry, surveys and
error recommendations, trusts aksnet's CA through REQUESTS_CA_BUNDLE, signs in
as the admin service principal, and gives az a separate HOME so that
--generate-ssh-keys does not touch yours (--keep-home to opt out). For
Debian's azure-cli 2.45.0 it adds a small compatibility layer to PYTHONPATH
that works around two packaging bugs (see the README). Running it again is
fast: the configuration is reused. --undo prints the code that reverts it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if undo {
				fmt.Fprint(s.Out, UndoScript(g.StateDir, os.Getenv))
				return nil
			}
			creds, err := statedir.LoadCredentials(g.StateDir)
			if err != nil {
				return &output.Error{Code: 1, Message: fmt.Sprintf("no aksnet credentials in %s: start a server with: aksnet serve --state-dir %s", g.StateDir, g.StateDir)}
			}
			env, err := Setup(cmd.Context(), Options{StateDir: g.StateDir, Endpoint: g.Endpoint, TenantID: creds.TenantID,
				AppID: creds.AppID, Password: creds.Password, KeepHome: keepHome, Az: az})
			if err != nil {
				return &output.Error{Code: 1, Message: err.Error()}
			}
			fmt.Fprint(s.Out, env.Script(os.Getenv))
			return nil
		},
	}
	a := flags.New(cmd, flags.Cobra)
	a.Switch(&undo, "Print shell code that undoes a previous az-env.", "--undo")
	a.Switch(&keepHome, "Keep your HOME for az (az aks create --generate-ssh-keys then writes ~/.ssh).", "--keep-home")
	a.String(&az, "The Azure CLI executable.", "--az")
	a.Done()
	return cmd
}
