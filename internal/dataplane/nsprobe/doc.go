// Package nsprobe sends real traffic from inside the data plane's network
// namespaces: it dials, asks a pod's HTTP echo who it sees and queries the
// cluster DNS. It also holds what a client needs to find those namespaces
// (where they are bound and how nodes' are named).
//
// Both the data plane (aksnetd) and `aksnet aks trace --verify` use it, so it
// imports neither netlink nor nftables: the aksnet CLI binary stays small and
// starts fast.
package nsprobe

import "strings"

// DefaultPrefix starts the name of every namespace the data plane creates.
const DefaultPrefix = "aksnet-"

// NetnsDir is where named network namespaces are bound, as with `ip netns`.
const NetnsDir = "/run/netns"

// EtcNetnsDir holds named namespaces' own /etc files, as iproute2 keeps
// them: `ip netns exec NAME` (and `aksnet aks pod exec`) binds each file of
// EtcNetnsDir/NAME over its namesake in /etc, in a mount namespace of its
// own. The data plane keeps each pod's resolv.conf there.
const EtcNetnsDir = "/etc/netns"

// NodeName names a node's namespace for a data plane whose namespace names
// start with prefix.
func NodeName(prefix, node string) string { return prefix + "node-" + strings.ToLower(node) }

// EchoReply is what a pod's HTTP echo answers: the caller's source address
// as the pod sees it, and the pod's name.
type EchoReply struct {
	Client string `json:"client"`
	Pod    string `json:"pod"`
}
