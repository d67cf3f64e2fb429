package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"runtime"

	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"
)

// aksnet's own `aks pod` and `aks service` commands: test workloads the
// netns data plane runs on a cluster's nodes, and ClusterIP services in
// front of them. They have no az counterpart (az drives pods through
// kubectl); they follow az's flag style.

// aksDataplaneCommands returns the `aks pod` and `aks service` groups.
func aksDataplaneCommands(s Streams, g *command.Globals) []*cobra.Command {
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
	var d struct {
		Name       string `json:"name"`
		Properties struct {
			NodeName    string `json:"nodeName"`
			PodIP       string `json:"podIP"`
			HostNetwork bool   `json:"hostNetwork"`
			Netns       string `json:"netns"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return aksPodView{}, fmt.Errorf("decode pod: %w", err)
	}
	p := d.Properties
	return aksPodView{Name: d.Name, Node: p.NodeName, PodIP: p.PodIP, HostNetwork: p.HostNetwork, Netns: p.Netns}, nil
}

func (e *env) aksPodPath(rg, cluster, pod string) string {
	return aksPods.path(e, rg, cluster, pod)
}

// aksPods is the list, show and delete half of `aks pod`.
var aksPods = aksWorkload[aksPodView]{collection: "pods", view: aksPodOf,
	listShort: "List a cluster's test pods.", showShort: "Show a test pod.",
	deleteShort: "Delete a test pod; its address returns to the node's pool."}

type aksPodFlags struct{ rg, cluster, name string }

func (f *aksPodFlags) bind(cmd *cobra.Command, withName bool) {
	cmd.Flags().StringVarP(&f.rg, "resource-group", "g", "", "Name of resource group.")
	cmd.Flags().StringVarP(&f.cluster, "cluster-name", "n", "", "Name of the managed cluster.")
	if withName {
		cmd.Flags().StringVar(&f.name, "name", "", "Name of the pod (a DNS-1123 label).")
	}
}

func (f *aksPodFlags) check(withName bool) error {
	if withName {
		return required("--resource-group/-g", f.rg, "--cluster-name/-n", f.cluster, "--name", f.name)
	}
	return required("--resource-group/-g", f.rg, "--cluster-name/-n", f.cluster)
}

func newAKSPodRunCommand(s Streams, g *command.Globals) *cobra.Command {
	f := &aksPodFlags{}
	var node string
	var hostNetwork bool
	cmd := &cobra.Command{
		Use: "run", Short: "Run a test pod (an HTTP echo on port 8080) on a node.", Args: cobra.NoArgs,
		Example: "  aksnet aks pod run -g myResourceGroup -n myAKSCluster --name web-1 --node aks-nodepool1-12345678-vmss000001",
		RunE: cmdRun(s, g, func(e *env, _ *cobra.Command, _ []string) error {
			if err := f.check(true); err != nil {
				return err
			}
			body := map[string]any{"properties": map[string]any{"nodeName": node, "hostNetwork": hostNetwork}}
			r, err := e.Client.Call(http.MethodPut, e.aksPodPath(f.rg, f.cluster, f.name), apiAKS, body)
			if err != nil {
				return err
			}
			v, err := aksPodOf(r.Body)
			if err != nil {
				return err
			}
			return e.PrintValue(v)
		}),
	}
	f.bind(cmd, true)
	cmd.Flags().StringVar(&node, "node", "", "Node to run on; the node with the fewest pods when omitted.")
	cmd.Flags().BoolVar(&hostNetwork, "host-network", false, "Use the node's network namespace and IP, as konnectivity does.")
	return cmd
}

func newAKSPodExecCommand(s Streams, g *command.Globals) *cobra.Command {
	f := &aksPodFlags{}
	cmd := &cobra.Command{
		Use:   "exec -g RG -n CLUSTER --name POD -- CMD [ARGS...]",
		Short: "Run a host program inside a pod's network namespace, passing through its exit code.",
		Long: `Run a host program inside a pod's network namespace (its node's, for a
host-network pod). aksnet replaces itself with the program, so the program's exit
code is the command's. Needs root and a server running --dataplane netns.`,
		Example: "  aksnet aks pod exec -g myResourceGroup -n myAKSCluster --name web-1 -- curl -s 203.0.113.10",
		Args:    cobra.MinimumNArgs(1),
		RunE: cmdRun(s, g, func(e *env, _ *cobra.Command, args []string) error {
			if err := f.check(true); err != nil {
				return err
			}
			r, err := e.Client.Call(http.MethodGet, e.aksPodPath(f.rg, f.cluster, f.name), apiAKS, nil)
			if err != nil {
				return err
			}
			v, err := aksPodOf(r.Body)
			if err != nil {
				return err
			}
			if v.Netns == "" {
				return aksCLIError("Pod %s has no network namespace: the server runs no data plane (start it with aksnet serve --dataplane netns).", f.name)
			}
			return execInNetns(v.Netns, args)
		}),
	}
	f.bind(cmd, true)
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
		return aksCLIError("open %s: %v", path, err)
	}
	if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
		return aksCLIError("enter %s: %v (aks pod exec needs root)", path, err)
	}
	_ = unix.Close(fd)
	err = unix.Exec(bin, args, os.Environ())
	return &output.Error{Code: 126, Message: fmt.Sprintf("exec %s: %v", bin, err)}
}
