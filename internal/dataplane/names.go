package dataplane

import (
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"strings"

	"github.com/aksnet/aksnet/internal/dataplane/nsprobe"
)

// DefaultPrefix starts the name of every namespace the data plane creates.
const DefaultPrefix = nsprobe.DefaultPrefix

// Names derives namespace and link names. Every namespace name starts with
// Prefix; every link created outside the model's fixed names (eth0, cbr0)
// starts with "aksnet".
type Names struct {
	Prefix string
}

func hash8(s string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(s)))
	return hex.EncodeToString(sum[:4])
}

// VNet names the fabric namespace of a VNet.
func (n Names) VNet(id string) string { return n.Prefix + "vnet-" + hash8(id) }

// Inet names the internet namespace.
func (n Names) Inet() string { return n.Prefix + "inet" }

// Node names a node's namespace.
func (n Names) Node(name string) string { return nsprobe.NodeName(n.Prefix, name) }

// Pod names a pod's namespace.
func (n Names) Pod(clusterID, pod string) string {
	return n.Prefix + "pod-" + hash8(clusterID)[:6] + "-" + strings.ToLower(pod)
}

// PodNetns is the path of the namespace a pod's processes run in: its own,
// or its node's for a host-network pod.
func (n Names) PodNetns(clusterID, pod, node string, hostNetwork bool) string {
	if hostNetwork {
		return NetnsDir + "/" + n.Node(node)
	}
	return NetnsDir + "/" + n.Pod(clusterID, pod)
}

// NetnsDir is where named network namespaces are bound, as with `ip netns`.
const NetnsDir = nsprobe.NetnsDir

// Link names.
const (
	// linkInet is the fabric's end of its link to the internet namespace.
	linkInet = "aksnetinet"
	linkEth0 = "eth0"
	linkCbr0 = "cbr0"
	linkLo   = "lo"
)

// addrLink names the link to the holder of address a: the fabric's end of
// a NIC's veth, or the node's end of a pod's veth (aksnet + 8 hex digits).
func addrLink(a netip.Addr) string {
	b := a.As4()
	return "aksnet" + hex.EncodeToString(b[:])
}

// vnetLink names the internet namespace's end of a fabric's link.
func vnetLink(vnetID string) string { return "aksnet" + hash8(vnetID) }
