package cli

import (
	"github.com/aksnet/aksnet/internal/cli/client"
	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/spf13/cobra"
)

// API versions the CLI speaks, as az 2.45's latest profile does.
const (
	apiResources     = client.APIResources
	apiNetwork       = client.APINetwork
	apiMSI           = client.APIMSI
	apiAuthorization = client.APIAuthorization
	apiAKS           = client.APIAKS
)

// env is a command's environment for the groups not yet in their own
// package.
type env struct{ *command.Env }

// cmdRun adapts a RunE that needs a connected env.
func cmdRun(s Streams, g *command.Globals, fn func(e *env, cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return command.Run(s, g, func(ce *command.Env, cmd *cobra.Command, args []string) error {
		return fn(&env{ce}, cmd, args)
	})
}

func newEnv(cmd *cobra.Command, s Streams, g *command.Globals, connect bool) (*env, error) {
	ce, err := command.NewEnv(cmd, s, g, connect)
	if err != nil {
		return nil, err
	}
	return &env{ce}, nil
}
