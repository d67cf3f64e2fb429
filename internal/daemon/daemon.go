// Package daemon is aksnetd's command line: it opens the control plane on a
// state dir, optionally with the netns data plane, and serves HTTPS until
// SIGINT or SIGTERM.
//
// It lives apart from the aksnet CLI (internal/cli) on purpose. Go
// initialises every package a binary links before main runs, and the server
// links the Azure SDK model types, bbolt, netlink, nftables, DNS and
// Prometheus. Keeping them out of the CLI binary halves the start-up time of
// every aksnet command.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/aksnet/aksnet/internal/controlplane"
	"github.com/aksnet/aksnet/internal/kubesup"
	"github.com/aksnet/aksnet/internal/statedir"
	"github.com/spf13/cobra"
)

type serveFlags struct {
	listen     string
	stateDir   string
	maxRoutes  int
	logLevel   string
	restore    string
	reset      bool
	kubeBin    string
	kubeIdle   time.Duration
	provDelay  time.Duration
	routeEvery time.Duration
	dp         dataplaneFlags
}

// Main runs aksnetd with args (without the program name) and returns the
// exit code: 0 after a clean shutdown, 2 for usage errors, 1 otherwise.
func Main(args []string, out, errw io.Writer) int {
	cmd := NewCommand(out, errw)
	cmd.SetArgs(args)
	err := cmd.Execute()
	if err == nil {
		return 0
	}
	var oe *output.Error
	if !errors.As(err, &oe) {
		// Anything else comes from flag parsing.
		oe = output.UsageError(fmt.Sprintf("%s: %s", cmd.Name(), err))
	}
	return output.HandleError(output.NewLogger(errw, output.LevelWarning, false), oe)
}

// NewCommand returns aksnetd's command: the server, writing its banner to
// out and its JSON logs to errw.
func NewCommand(out, errw io.Writer) *cobra.Command {
	f := &serveFlags{}
	cmd := &cobra.Command{
		Use:   "aksnetd",
		Short: "Run the aksnet server: the ARM-compatible control plane",
		Long: `Serve the ARM-compatible HTTPS API for resource groups, virtual networks, route
tables, NSGs, managed identities, role assignments and AKS kubenet clusters.
'aksnet serve' runs this program with the same flags.

On first start it creates, in the state dir, a CA and a server certificate, a
tenant, a subscription and an admin service principal with Owner on it, whose
credentials are written to admin.json (mode 0600).

Only one aksnetd runs on a state dir at a time. At start the database is
verified; damaged state is refused, never used or overwritten. Recover with
--restore FILE (a backup made by 'aksnet state backup FILE') or, to start a new
tenant, --reset-state (the old database and admin.json are moved aside).`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return run(cmd.Context(), out, errw, f)
		},
	}
	cmd.SetOut(out)
	cmd.SetErr(errw)
	cmd.Flags().StringVar(&f.listen, "listen", controlplane.DefaultListen, "address to serve HTTPS on")
	cmd.Flags().StringVar(&f.stateDir, "state-dir", statedir.Default(), "directory holding aksnet's state (env AKSNET_STATE_DIR)")
	cmd.Flags().IntVar(&f.maxRoutes, "max-routes-per-table", 400, "Azure's route limit per route table (and so nodes per kubenet cluster)")
	cmd.Flags().StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	cmd.Flags().StringVar(&f.restore, "restore", "", "replace the state database with this backup (made by 'aksnet state backup'), keeping the previous one beside it, then serve")
	cmd.Flags().BoolVar(&f.reset, "reset-state", false, "move the database and admin.json aside (never deleted) and start a new tenant, then serve")
	cmd.Flags().StringVar(&f.kubeBin, "kube-binary", "", "the aksnet-kube program that runs each cluster's Kubernetes control plane (default: next to aksnetd, then on PATH, then ./bin; build it with 'make -C kube build')")
	cmd.Flags().DurationVar(&f.routeEvery, "route-reconciliation-period", 10*time.Second, "how often the route controller restores every cluster's routes, as AKS's kube-controller-manager --route-reconciliation-period (0: at every change, the fast mode for tests)")
	cmd.Flags().DurationVar(&f.provDelay, "provisioning-delay", 0, "hold every AKS create, update and scale operation in flight at least this long, as AKS's take minutes (0: end them as soon as their work is done)")
	cmd.Flags().DurationVar(&f.kubeIdle, "kube-idle", 10*time.Minute, "stop a cluster's Kubernetes control plane after this long without connections (0: never); the next connection starts it again")
	f.dp.bind(cmd)
	return cmd
}

func run(ctx context.Context, out, errw io.Writer, f *serveFlags) error {
	if f.restore != "" && f.reset {
		return output.UsageError("--restore and --reset-state exclude each other")
	}
	if f.kubeIdle < 0 {
		return output.UsageError(fmt.Sprintf("argument --kube-idle: must not be negative: '%s'", f.kubeIdle))
	}
	if f.routeEvery < 0 {
		return output.UsageError(fmt.Sprintf("argument --route-reconciliation-period: must not be negative: '%s'", f.routeEvery))
	}
	if f.provDelay < 0 {
		return output.UsageError(fmt.Sprintf("argument --provisioning-delay: must not be negative: '%s'", f.provDelay))
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(f.logLevel)); err != nil {
		return output.UsageError(fmt.Sprintf("argument --log-level: invalid choice: '%s'", f.logLevel))
	}
	log := slog.New(slog.NewJSONHandler(errw, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(log)
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	dp, done, err := f.dp.open(ctx, out, log)
	if err != nil || done {
		return err
	}
	if dp != nil {
		defer dp.Close()
	}
	plane, err := controlplane.Open(ctx, controlplane.Config{StateDir: f.stateDir, MaxRoutesPerTable: f.maxRoutes, Logger: log, Dataplane: dp,
		Restore: f.restore, ResetState: f.reset, ProvisioningDelay: f.provDelay, RouteReconcilePeriod: f.routeEvery, Kube: kubesup.Options{Binary: f.kubeBin, Idle: f.kubeIdle}})
	if err != nil {
		return &output.Error{Code: 1, Message: err.Error()}
	}
	defer plane.Close()
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return &output.Error{Code: 1, Message: fmt.Sprintf("listen on %s: %v", f.listen, err)}
	}
	c := plane.Credentials
	fmt.Fprintf(out, `aksnet is serving https://%s
  state dir:     %s
  CA:            %s
  tenant:        %s
  subscription:  %s
  admin login:   appId %s, password in %s (mode 0600)

Use it:
  aksnet group create --name myResourceGroup --location eastus
  eval "$(aksnet az-env)"    # point the real az CLI at this server
`, ln.Addr(), f.stateDir, plane.TLS.CAPath, c.TenantID, c.SubscriptionID, c.AppID, f.stateDir+"/"+statedir.CredentialsFile)
	log.Info("serving", "addr", ln.Addr().String(), "stateDir", f.stateDir)
	if err := plane.Serve(ctx, ln); err != nil {
		return &output.Error{Code: 1, Message: err.Error()}
	}
	log.Info("stopped")
	return nil
}
