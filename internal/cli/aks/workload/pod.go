package workload

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/aksnet/aksnet/internal/cli/client"
	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/flags"
	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/aksnet/aksnet/internal/dataplane/nsprobe"
	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"
)

// aksnet's own `aks pod` and `aks service` commands: test workloads the
// netns data plane runs on a cluster's nodes, and ClusterIP services in
// front of them. They have no az counterpart (az drives pods through
// kubectl); they follow az's flag style.

// NewCommands returns the `aks pod` and `aks service` groups.
func NewCommands(s command.Streams, g *command.Globals) []*cobra.Command {
	return []*cobra.Command{
		command.Group("pod", "Manage aksnet test pods on a cluster's nodes (needs aksnet serve --dataplane netns to carry traffic).",
			newAKSPodRunCommand(s, g), aksPods.list(s, g), aksPods.show(s, g), newAKSPodExecCommand(s, g), aksPods.delete(s, g)),
		command.Group("service", "Manage ClusterIP services in front of aksnet test pods.",
			newAKSServiceCreateCommand(s, g), aksServices.list(s, g), aksServices.show(s, g), aksServices.delete(s, g)),
	}
}

// aksPodView is how the pod commands print a pod.
type aksPodView struct {
	Name        string `json:"name"`
	Node        string `json:"node"`
	PodIP       string `json:"podIP"`
	HostNetwork bool   `json:"hostNetwork"`
	Netns       string `json:"netns,omitempty"`
}

func aksPodOf(raw []byte) (aksPodView, error) {
	p, err := client.DecodePod(raw)
	if err != nil {
		return aksPodView{}, err
	}
	return aksPodView{Name: p.Name, Node: p.Node, PodIP: p.IP, HostNetwork: p.HostNetwork, Netns: p.Netns}, nil
}

// aksPods is the list, show and delete half of `aks pod`.
var aksPods = aksWorkload[aksPodView]{collection: "pods", view: aksPodOf,
	listShort: "List a cluster's test pods.", showShort: "Show a test pod.",
	deleteShort: "Delete a test pod; its address returns to the node's pool."}

type aksPodFlags struct{ rg, cluster, name string }

// args declares the cluster's -g and -n, and the workload's --name when
// withName.
func (f *aksPodFlags) args(withName bool) func(*flags.Set) {
	return func(a *flags.Set) {
		a.String(&f.rg, "Name of resource group.", "--resource-group", "-g").Required()
		a.String(&f.cluster, "Name of the managed cluster.", "--cluster-name", "-n").Required()
		if withName {
			a.String(&f.name, "Name of the pod (a DNS-1123 label).", "--name").Required()
		}
	}
}

func newAKSPodRunCommand(s command.Streams, g *command.Globals) *cobra.Command {
	f := &aksPodFlags{}
	var node string
	var hostNetwork bool
	cmd := &cobra.Command{
		Use: "run", Short: "Run a test pod (an HTTP echo on port 8080) on a node.", Args: cobra.NoArgs,
		Example: "  aksnet aks pod run -g myResourceGroup -n myAKSCluster --name web-1 --node aks-nodepool1-12345678-vmss000001",
	}
	return command.Leaf(s, g, cmd, flags.Cobra, func(a *flags.Set) {
		f.args(true)(a)
		a.String(&node, "Node to run on; the node with the fewest pods when omitted.", "--node")
		a.Switch(&hostNetwork, "Use the node's network namespace and IP, as konnectivity does.", "--host-network")
	}, func(e *command.Env) error {
		body := map[string]any{"properties": map[string]any{"nodeName": node, "hostNetwork": hostNetwork}}
		return aksPods.print(e, http.MethodPut, f, body)
	})
}

func newAKSPodExecCommand(s command.Streams, g *command.Globals) *cobra.Command {
	f := &aksPodFlags{}
	cmd := &cobra.Command{
		Use:   "exec -g RG -n CLUSTER --name POD -- CMD [ARGS...]",
		Short: "Run a host program inside a pod's network namespace, passing through its exit code.",
		Long: `Run a host program inside a pod's network namespace (its node's, for a
host-network pod). aksnet replaces itself with the program, so the program's exit
code is the command's. Needs root and a server running --dataplane netns.`,
		Example: "  aksnet aks pod exec -g myResourceGroup -n myAKSCluster --name web-1 -- curl -s 203.0.113.10",
		Args:    cobra.MinimumNArgs(1),
	}
	a := flags.New(cmd, flags.Cobra)
	f.args(true)(a)
	a.Done()
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		return command.RunE(s, g, a, func(e *command.Env) error {
			v, err := aksPods.fetch(e, http.MethodGet, f, nil)
			if err != nil {
				return err
			}
			if v.Netns == "" {
				return output.CLIError("Pod %s has no network namespace: the server runs no data plane (start it with aksnet serve --dataplane netns).", f.name)
			}
			return execInNetns(v.Netns, args)
		})(cmd, args)
	}
	return cmd
}

// execInNetns replaces the process with args[0] running in the network
// namespace bound at path. The calling goroutine's thread is locked and
// moved into the namespace, then execve replaces the whole process with
// that thread: the program starts in the namespace. It returns only on
// failure.
func execInNetns(path string, args []string) error {
	bin, err := exec.LookPath(args[0])
	if err != nil {
		return &output.Error{Code: 127, Message: err.Error()}
	}
	runtime.LockOSThread()
	// Never unlocked: on success the process is replaced, on failure after
	// setns the thread must not go back to the pool.
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return output.CLIError("open %s: %v%s", path, err, enterHint(err))
	}
	if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
		return output.CLIError("enter %s: %v%s", path, err, enterHint(err))
	}
	if err := bindEtcNetns(filepath.Base(path)); err != nil {
		return output.CLIError("pod %s's /etc files: %v", filepath.Base(path), err)
	}
	_ = unix.Close(fd)
	err = unix.Exec(bin, args, os.Environ())
	return &output.Error{Code: 126, Message: fmt.Sprintf("exec %s: %v", bin, err)}
}

// enterHint explains why a pod's namespace could not be entered: only a
// permission error is about root; a missing or unbound file means the data
// plane has not made (or has removed) the pod's namespace.
func enterHint(err error) string {
	switch {
	case errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES):
		return " (aks pod exec needs root: CAP_SYS_ADMIN to enter a network namespace)"
	case errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EINVAL):
		return " (the pod's network namespace is not there: is the server running with --dataplane netns, and the pod not deleted?)"
	}
	return ""
}

// bindEtcNetns does for the calling thread what `ip netns exec` does for a
// named namespace: in a mount namespace of the thread's own (a slave of the
// host's, so nothing propagates back), it binds each file of
// EtcNetnsDir/name (the pod's resolv.conf) over its namesake in /etc. A
// namespace without such files keeps the host's.
func bindEtcNetns(name string) error {
	dir := filepath.Join(nsprobe.EtcNetnsDir, name)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
		return fmt.Errorf("unshare the mount namespace: %w", err)
	}
	if err := unix.Mount("", "/", "none", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("make / a slave mount: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		src, dst := filepath.Join(dir, e.Name()), filepath.Join("/etc", e.Name())
		if err := unix.Mount(src, dst, "none", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("bind %s over %s: %w", src, dst, err)
		}
	}
	return nil
}
