package containerservice

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/aksnet/aksnet/internal/kubenet"
)

// podIPAMKey keeps the last address host-local reserved on a node.
func podIPAMKey(clusterID, node string) string {
	return "cs-podipam/" + strings.ToLower(clusterID) + "|" + strings.ToLower(node)
}

// PodRange is the host-local range of a node: its pod CIDR, without the
// last usable address, which the cluster-DNS pod of the first node uses
// (reserved on every node so that node order never matters).
func PodRange(podCIDR netip.Prefix) kubenet.PodRange {
	r := kubenet.PodRange{Subnet: podCIDR}
	r.Reserved = []netip.Addr{r.Last()}
	return r
}

// putPod creates a pod (pods are immutable: a PUT of an existing pod with
// the same node and network mode answers it unchanged). The node is the
// one asked for, or the one with the fewest pods; the address comes from
// the node's pod CIDR by host-local's rules, or is the node's IP for a
// host-network pod.
func (w *workloads) putPod(c *arm.Call) ([]byte, error) {
	var req podDoc
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	if strings.EqualFold(c.Name, DNSPodName) {
		return nil, azerr.BadRequest(CodeReservedName, "name", "Pod name '%s' is reserved for the cluster-DNS pod.", c.Name)
	}
	info, ok, err := Lookup(c.R, c.Parent)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, azerr.BadRequest(CodeNotKubenetCluster, "name", "Cluster %s has no kubenet layout to run pods on.", arm.LastName(c.Parent))
	}
	p := req.Properties
	if c.Existing != nil {
		var old podDoc
		if err := c.DecodeExisting(&old); err != nil {
			return nil, err
		}
		if (p.NodeName != "" && !strings.EqualFold(p.NodeName, old.Properties.NodeName)) || p.HostNetwork != old.Properties.HostNetwork {
			return nil, azerr.BadRequest(kubenet.CodePropertyChangeNotAllowed, "properties", "Pod %s is immutable: delete it and create it again to move it.", c.Name)
		}
		return w.render(c.Existing), nil
	}
	if info.Stopped {
		return nil, workloadOnStopped(info, "pod", c.Name)
	}
	pods := Pods(c.R, c.Parent)
	node, err := podNode(arm.LastName(c.Parent), info.Nodes, pods, p.NodeName)
	if err != nil {
		return nil, err
	}
	ip, err := podAddress(c, node, pods, p.HostNetwork)
	if err != nil {
		return nil, err
	}
	doc := podDoc{ID: c.ID, Name: c.Name, Type: TypePod, Properties: podProps{NodeName: node.Name, PodIP: ip,
		HostNetwork: p.HostNetwork, ProvisioningState: "Succeeded"}}
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	w.realiseAfterCommit(c)
	return w.render(raw), nil
}

// podNode is the node of cluster a new pod goes to: the one named (any
// casing), or, when name is "", the one with the fewest of the cluster's pods.
func podNode(cluster string, nodes []Node, pods []PodInfo, name string) (*Node, error) {
	if name != "" {
		var node *Node
		for i := range nodes {
			if strings.EqualFold(nodes[i].Name, name) {
				node = &nodes[i]
			}
		}
		if node == nil {
			return nil, azerr.BadRequest(CodeNodeNotFound, "properties.nodeName", "Cluster %s has no node '%s'.", cluster, name)
		}
		return node, nil
	}
	perNode := map[string]int{}
	for _, q := range pods {
		perNode[q.Node]++
	}
	var node *Node
	for i := range nodes {
		if n := perNode[nodes[i].Name]; node == nil || n < perNode[node.Name] {
			node = &nodes[i]
		}
	}
	if node == nil {
		return nil, azerr.BadRequest(CodeNodeNotFound, "properties.nodeName", "Cluster %s has no nodes.", cluster)
	}
	return node, nil
}

// podAddress is the address of a new pod on node: the node's own for a
// host-network pod (one per node), else the next free address of the node's
// pod range by host-local's rules, which it records as the node's last.
func podAddress(c *arm.Call, node *Node, pods []PodInfo, hostNetwork bool) (netip.Addr, error) {
	if hostNetwork {
		for _, q := range pods {
			if q.HostNetwork && q.Node == node.Name {
				return netip.Addr{}, azerr.Conflict(CodeHostPortConflict, "properties.hostNetwork",
					"Node %s already runs host-network pod %s, whose echo holds the node's port 8080.", node.Name, q.Name)
			}
		}
		return node.IP, nil
	}
	var used []netip.Addr
	for _, q := range pods {
		if q.Node == node.Name && !q.HostNetwork {
			used = append(used, q.IP)
		}
	}
	var last netip.Addr
	if raw, ok := c.R.Get(podIPAMKey(c.Parent, node.Name)); ok {
		var err error
		if last, err = netip.ParseAddr(string(raw)); err != nil {
			return netip.Addr{}, fmt.Errorf("pod IPAM record of node %s: %w", node.Name, err)
		}
	}
	a, err := PodRange(node.PodCIDR).Next(used, last)
	if errors.Is(err, kubenet.ErrPodRangeFull) {
		return netip.Addr{}, azerr.Conflict(CodePodCIDRFull, "properties.nodeName", "Node %s has no free address left in its pod CIDR %s.", node.Name, node.PodCIDR)
	}
	if err != nil {
		return netip.Addr{}, err
	}
	c.Tx.Put(podIPAMKey(c.Parent, node.Name), []byte(a.String()))
	return a, nil
}

// render sets properties.netns of a pod document to the namespace this
// server's data plane runs the pod in, and clears it when the server runs
// no data plane: it is rendered on every read, never taken from the store,
// so a server restarted with or without --dataplane answers right.
func (w *workloads) render(raw []byte) []byte {
	var d podDoc
	if json.Unmarshal(raw, &d) != nil {
		return raw
	}
	d.Properties.Netns = ""
	if w.opts.PodNetns != nil {
		d.Properties.Netns = w.opts.PodNetns(arm.ParentOf(d.ID), d.Name, d.Properties.NodeName, d.Properties.HostNetwork)
	}
	out, err := json.Marshal(d)
	if err != nil {
		return raw
	}
	return out
}

func (w *workloads) getPod(c *arm.Call) ([]byte, error) {
	if c.Existing == nil {
		return nil, nil
	}
	return w.render(c.Existing), nil
}

func (w *workloads) listPods(c *arm.Call) ([][]byte, error) {
	if _, ok := c.R.Get(arm.Key(c.Parent)); !ok {
		return nil, azerr.NotFound("ParentResourceNotFound", "id",
			"Can not perform requested operation on nested resource. Parent resource '%s' not found.", arm.LastName(c.Parent))
	}
	var out [][]byte
	scanChildDocs(c.R, c.Parent, "pods", func(raw []byte) { out = append(out, w.render(raw)) })
	return out, nil
}
