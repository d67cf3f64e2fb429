package containerservice

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"sort"
	"strings"

	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/kubenet"
	"github.com/aksnet/aksnet/internal/provider/network"
	"github.com/aksnet/aksnet/internal/store"
)

// Pods and services are aksnet's own child kinds of a managed cluster:
// test workloads the netns data plane runs on the cluster's nodes, and
// ClusterIP services in front of them. Real AKS keeps them in the
// Kubernetes API; aksnet keeps them next to the cluster so that one API
// drives both.

// The resource types are TypePod and TypeService (see trace.go, which reads
// the same documents).

// Error codes of the workload kinds (aksnet's own; Kubernetes reports these
// conditions in its own words).
const (
	// CodeNodeNotFound: a pod names a node the cluster doesn't have.
	CodeNodeNotFound = "NodeNotFound"
	// CodePodCIDRFull: the node's pod CIDR has no free address.
	CodePodCIDRFull = "PodCidrFull"
	// CodeHostPortConflict: a node runs one host-network pod (its echo
	// listens on the node's port 8080).
	CodeHostPortConflict = "HostPortConflict"
	// CodeServiceCIDRFull: the service CIDR has no free ClusterIP.
	CodeServiceCIDRFull = "ServiceCidrFull"
	// CodeReservedName: a name the cluster's system workloads use.
	CodeReservedName = "ReservedResourceName"
	// CodeNotKubenetCluster: the parent has no kubenet layout.
	CodeNotKubenetCluster = "ClusterNotReady"
)

// DNSPodName is the cluster-DNS pod every cluster has on its first node.
const DNSPodName = "coredns"

// WorkloadOptions configure the workload kinds.
type WorkloadOptions struct {
	// PodNetns, when set (the data plane is on), names the network
	// namespace a pod's processes run in; it is shown as properties.netns.
	PodNetns func(clusterID, pod, node string, hostNetwork bool) string
	// Realised, when set (the data plane is on), blocks until the data
	// plane holds every write committed before the call, or ctx ends. A
	// pod or service PUT waits for it after its commit, so the workload
	// runs when the PUT is answered: `aks pod exec` right after `aks pod
	// run` finds the pod's namespace.
	Realised func(ctx context.Context)
}

// realiseAfterCommit makes c's answer wait for the data plane (Realised).
func (w *workloads) realiseAfterCommit(c *arm.Call) {
	if w.opts.Realised != nil {
		ctx := c.Ctx
		c.AfterCommit(func() { w.opts.Realised(ctx) })
	}
}

type workloads struct {
	opts WorkloadOptions
}

// RegisterWorkloads adds the pods and services kinds to reg.
func RegisterWorkloads(reg *arm.Registry, opts WorkloadOptions) {
	w := &workloads{opts: opts}
	reg.Register(&arm.Kind{Type: TypePod, ValidName: dnsLabelRule("pod").Check, Put: w.putPod, Get: w.getPod, List: w.listPods,
		SyncDelete: true, Display: "Pod"})
	reg.Register(&arm.Kind{Type: TypeService, ValidName: dnsLabelRule("service").Check, Put: w.putService, SyncDelete: true, Display: "Service"})
}

// dnsLabelRule is Kubernetes' DNS-1123 label: what pod and service names
// must be.
func dnsLabelRule(t string) arm.NameRule {
	return arm.NameRule{Type: t, Min: 1, Max: 63, Pattern: regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`),
		Explain: "lowercase letters, digits and hyphens, starting and ending with a letter or digit (a DNS-1123 label)"}
}

// PodInfo is a pod as the data plane sees it.
type PodInfo struct {
	Name        string
	Node        string
	IP          netip.Addr
	HostNetwork bool
}

type podDoc struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Type       string   `json:"type"`
	Properties podProps `json:"properties"`
}

type podProps struct {
	NodeName          string     `json:"nodeName,omitempty"`
	PodIP             netip.Addr `json:"podIP,omitzero"`
	HostNetwork       bool       `json:"hostNetwork"`
	Netns             string     `json:"netns,omitempty"`
	ProvisioningState string     `json:"provisioningState,omitempty"`
}

type serviceDoc struct {
	ID         string       `json:"id"`
	Name       string       `json:"name"`
	Type       string       `json:"type"`
	Properties serviceProps `json:"properties"`
}

type serviceProps struct {
	Selector          string     `json:"selector"`
	Port              int        `json:"port"`
	TargetPort        int        `json:"targetPort,omitempty"`
	Protocol          string     `json:"protocol,omitempty"`
	ClusterIP         netip.Addr `json:"clusterIP,omitzero"`
	ProvisioningState string     `json:"provisioningState,omitempty"`
}

// Pods lists the pods of cluster clusterID, sorted by name.
func Pods(r store.Reader, clusterID string) []PodInfo {
	return listChildren(r, clusterID, "pods", func(d *podDoc) PodInfo {
		return PodInfo{Name: d.Name, Node: d.Properties.NodeName, IP: d.Properties.PodIP, HostNetwork: d.Properties.HostNetwork}
	}, func(p PodInfo) string { return p.Name })
}

// Services lists the services of cluster clusterID, sorted by name.
func Services(r store.Reader, clusterID string) []kubenet.Service {
	return listChildren(r, clusterID, "services", func(d *serviceDoc) kubenet.Service {
		return kubenet.Service{Name: d.Name, ClusterIP: d.Properties.ClusterIP, Protocol: d.Properties.Protocol, Port: d.Properties.Port,
			TargetPort: d.Properties.TargetPort, Selector: d.Properties.Selector}
	}, func(s kubenet.Service) string { return s.Name })
}

// listChildren decodes the children of cluster clusterID of childType as D
// documents (skipping those that do not decode) and lists them as info
// makes them, sorted by name.
func listChildren[D, I any](r store.Reader, clusterID, childType string, info func(*D) I, name func(I) string) []I {
	var out []I
	scanChildDocs(r, clusterID, childType, func(raw []byte) {
		var d D
		if json.Unmarshal(raw, &d) == nil {
			out = append(out, info(&d))
		}
	})
	sort.Slice(out, func(i, j int) bool { return name(out[i]) < name(out[j]) })
	return out
}

func scanChildDocs(r store.Reader, parent, childType string, fn func([]byte)) {
	prefix := arm.KeyOf(parent) + "/" + strings.ToLower(childType) + "/"
	r.Scan(prefix, func(k string, v []byte) bool {
		if !strings.Contains(k[len(prefix):], "/") {
			fn(v)
		}
		return true
	})
}

// publicIPDoc is what the provider reads of a stored public IP: its
// address, decoded typed (the zero Addr when it has none).
type publicIPDoc struct {
	Properties struct {
		IPAddress netip.Addr `json:"ipAddress"`
	} `json:"properties"`
}

// OutboundIP returns the address of the cluster's outbound public IP (the
// load balancer's frontend AKS creates in the node resource group).
// A cluster without state has none; a stored state or public IP that does
// not decode is an error.
func OutboundIP(c *arm.Call, clusterID string) (netip.Addr, error) {
	info, ok, err := Lookup(c.R, clusterID)
	if err != nil || !ok {
		return netip.Addr{}, err
	}
	var best netip.Addr
	var decodeErr error
	c.ScanTopLevel(info.NodeRGID, func(id string, raw []byte) bool {
		if !strings.EqualFold(arm.TypeOfID(id), network.TypePublicIP) {
			return true
		}
		var doc publicIPDoc
		if err := json.Unmarshal(raw, &doc); err != nil {
			decodeErr = fmt.Errorf("decode stored public IP %s: %w", id, err)
			return false
		}
		if a := doc.Properties.IPAddress; a.IsValid() && (!best.IsValid() || a.Less(best)) {
			best = a
		}
		return true
	})
	if decodeErr != nil {
		return netip.Addr{}, decodeErr
	}
	return best, nil
}
