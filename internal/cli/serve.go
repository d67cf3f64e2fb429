package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/aksnet/aksnet/internal/controlplane"
	"github.com/spf13/cobra"
)

type serveFlags struct {
	listen    string
	stateDir  string
	maxRoutes int
	logLevel  string
	dp        serveDataplaneFlags
}

func newServeCommand(s Streams) *cobra.Command {
	f := &serveFlags{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the ARM-compatible control plane",
		Long: `Serve the ARM-compatible HTTPS API for resource groups, virtual networks, route
tables, NSGs, managed identities, role assignments and AKS kubenet clusters.

On first start it creates, in the state dir, a CA and a server certificate, a
tenant, a subscription and an admin service principal with Owner on it, whose
credentials are written to admin.json (mode 0600).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServe(cmd.Context(), s, f)
		},
	}
	cmd.Flags().StringVar(&f.listen, "listen", controlplane.DefaultListen, "address to serve HTTPS on")
	cmd.Flags().StringVar(&f.stateDir, "state-dir", DefaultStateDir(), "directory holding aksnet's state (env AKSNET_STATE_DIR)")
	cmd.Flags().IntVar(&f.maxRoutes, "max-routes-per-table", 400, "Azure's route limit per route table (and so nodes per kubenet cluster)")
	cmd.Flags().StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	f.dp.bind(cmd)
	return cmd
}

func runServe(ctx context.Context, s Streams, f *serveFlags) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(f.logLevel)); err != nil {
		return &exitError{code: 2, err: fmt.Errorf("ERROR: argument --log-level: invalid choice: '%s'", f.logLevel)}
	}
	log := slog.New(slog.NewJSONHandler(s.Err, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(log)
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	dp, done, err := f.dp.open(ctx, s, log)
	if err != nil || done {
		return err
	}
	if dp != nil {
		defer dp.Close()
	}
	plane, err := controlplane.Open(ctx, controlplane.Config{StateDir: f.stateDir, MaxRoutesPerTable: f.maxRoutes, Logger: log, Dataplane: dp})
	if err != nil {
		return &exitError{code: 1, err: fmt.Errorf("ERROR: %w", err)}
	}
	defer plane.Close()
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return &exitError{code: 1, err: fmt.Errorf("ERROR: listen on %s: %w", f.listen, err)}
	}
	c := plane.Credentials
	fmt.Fprintf(s.Out, `aksnet is serving https://%s
  state dir:     %s
  CA:            %s
  tenant:        %s
  subscription:  %s
  admin login:   appId %s, password in %s (mode 0600)

Use it:
  aksnet group create --name myResourceGroup --location eastus
  eval "$(aksnet az-env)"    # point the real az CLI at this server
`, ln.Addr(), f.stateDir, plane.TLS.CAPath, c.TenantID, c.SubscriptionID, c.AppID, f.stateDir+"/"+controlplane.CredentialsFile)
	log.Info("serving", "addr", ln.Addr().String(), "stateDir", f.stateDir)
	if err := plane.Serve(ctx, ln); err != nil {
		return &exitError{code: 1, err: fmt.Errorf("ERROR: %w", err)}
	}
	log.Info("stopped")
	return nil
}
