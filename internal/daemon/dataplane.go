package daemon

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/aksnet/aksnet/internal/dataplane"
	"github.com/spf13/cobra"
)

// dataplaneFlags are aksnetd's data-plane flags.
type dataplaneFlags struct {
	mode    string
	cleanup bool
	prefix  string
}

func (d *dataplaneFlags) bind(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&d.mode, "dataplane", "", "Realise kubenet clusters as a real data plane: netns (Linux network namespaces; needs root).")
	fl.BoolVar(&d.cleanup, "cleanup", false, "With --dataplane netns: remove every network namespace and link aksnet created, then exit.")
	fl.StringVar(&d.prefix, "dataplane-prefix", dataplane.DefaultPrefix, "Prefix of the data plane's namespace names (must start with aksnet).")
	_ = fl.MarkHidden("dataplane-prefix")
}

// open starts the data plane the flags ask for: nil when none. With
// --cleanup it removes the data plane instead and reports done.
func (d *dataplaneFlags) open(ctx context.Context, out io.Writer, log *slog.Logger) (dataplane.Plane, bool, error) {
	switch d.mode {
	case "":
		if d.cleanup {
			return nil, false, output.UsageError("--cleanup needs --dataplane netns")
		}
		return nil, false, nil
	case "netns":
	default:
		return nil, false, output.UsageError(fmt.Sprintf("argument --dataplane: invalid choice: '%s' (choose from 'netns')", d.mode))
	}
	if err := dataplane.CheckPrivileges(); err != nil {
		return nil, false, &output.Error{Code: 1, Message: fmt.Sprintf("--dataplane netns: %v", err)}
	}
	if d.cleanup {
		if err := dataplane.Cleanup(ctx, d.prefix); err != nil {
			return nil, true, &output.Error{Code: 1, Message: fmt.Sprintf("--dataplane netns --cleanup: %v", err)}
		}
		fmt.Fprintf(out, "removed every network namespace named %s* and its links\n", d.prefix)
		return nil, true, nil
	}
	p, err := dataplane.NewLinux(dataplane.Options{Prefix: d.prefix, Logger: log})
	if err != nil {
		return nil, false, &output.Error{Code: 1, Message: fmt.Sprintf("--dataplane netns: %v", err)}
	}
	log.Info("data plane on", "mode", d.mode, "namespaces", d.prefix+"*")
	return p, false, nil
}
