package containerservice

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/aksnet/aksnet/internal/store"
)

// clusterState is what the provider and its controller remember about a
// cluster besides its ARM document: the allocation of nodes, addresses and
// pod CIDRs, and the progress of the operation in flight.
type clusterState struct {
	ClusterID string `json:"clusterId"`
	ID8       string `json:"id8"`
	Location  string `json:"location"`
	NodeRGID  string `json:"nodeResourceGroupId"`
	// PodCIDR, ServiceCIDR and DNSServiceIP were parsed once, when the
	// create request was validated; they are stored as their text (the zero
	// value as ""), the form the state always had.
	PodCIDR       netip.Prefix `json:"podCidr"`
	ServiceCIDR   netip.Prefix `json:"serviceCidr"`
	DNSServiceIP  netip.Addr   `json:"dnsServiceIP"`
	RouteTableID  string       `json:"routeTableId"`
	BYORouteTable bool         `json:"byoRouteTable"`
	NSGID         string       `json:"nsgId"`
	SubnetIDs     []string     `json:"subnetIds"`
	PrincipalID   string       `json:"principalId"`
	UserAssigned  bool         `json:"userAssigned"`
	Pools         []poolState  `json:"pools"`

	// Operation is the in-flight long-running operation, "" when idle.
	Operation string `json:"operation,omitempty"`
	// OperationKind is the provisioning state shown while it runs
	// (Creating, Updating, Scaling).
	OperationKind string `json:"operationKind,omitempty"`
	// OperationStarted is when it began (Options.ProvisioningDelay).
	OperationStarted time.Time `json:"operationStarted,omitzero"`
	// PermissionsOK is set once the cluster identity holds what AKS needs.
	PermissionsOK bool `json:"permissionsOk"`
	// PermissionSeen is when the permissions were first seen, for the
	// optional propagation delay.
	PermissionSeen time.Time `json:"permissionSeen,omitzero"`
	// Failed is the provisioning state after a failed operation.
	Failed bool `json:"failed,omitempty"`
	// Stopped: the cluster was stopped (az aks stop) and not started
	// since; its powerState is Stopped and its control plane is down.
	Stopped bool `json:"stopped,omitempty"`
	// PowerSeq counts the cluster's stops and starts (kubesup.Cluster.PowerSeq).
	PowerSeq int64 `json:"powerSeq,omitempty"`
}

// poolState is one agent pool's nodes.
type poolState struct {
	Name      string      `json:"name"`
	VMSSID    string      `json:"vmssId"`
	SubnetID  string      `json:"subnetId"`
	VMSize    string      `json:"vmSize"`
	MaxPods   int         `json:"maxPods"`
	Mode      string      `json:"mode"`
	NextIndex int         `json:"nextIndex"`
	Nodes     []nodeState `json:"nodes"`
}

// nodeState is one node: its instance, NIC, address and pod CIDR, the
// last two typed as they were allocated.
type nodeState struct {
	Name    string       `json:"name"`
	Index   int          `json:"index"`
	IP      netip.Addr   `json:"ip"`
	PodCIDR netip.Prefix `json:"podCidr"`
	NICID   string       `json:"nicId"`
	VMID    string       `json:"vmId"`
}

func stateKey(clusterID string) string { return "cs/" + strings.ToLower(clusterID) }

// subnetOwnerKey records which cluster uses a subnet: kubenet clusters
// don't share subnets.
func subnetOwnerKey(subnetID string) string { return "cs-subnet/" + strings.ToLower(subnetID) }

// routeTableOwnerKey records which cluster uses a route table.
func routeTableOwnerKey(rtID string) string { return "cs-rt/" + strings.ToLower(rtID) }

// loadState reads the state of cluster clusterID: false when it has none,
// an error when the stored state does not decode.
func loadState(r store.Reader, clusterID string) (*clusterState, bool, error) {
	st, ok, err := store.LoadJSON[clusterState](r, stateKey(clusterID))
	if err != nil {
		return nil, false, fmt.Errorf("cluster %s: %w", clusterID, err)
	}
	return st, ok, nil
}

// saveState stores st at its cluster's state key.
func saveState(tx store.Tx, st *clusterState) error {
	if err := store.PutJSON(tx, stateKey(st.ClusterID), st); err != nil {
		return fmt.Errorf("cluster %s: %w", st.ClusterID, err)
	}
	return nil
}

func (st *clusterState) pool(name string) *poolState {
	for i := range st.Pools {
		if strings.EqualFold(st.Pools[i].Name, name) {
			return &st.Pools[i]
		}
	}
	return nil
}

// usedPodCIDRs lists the pod CIDRs the cluster's nodes hold.
func (st *clusterState) usedPodCIDRs() []netip.Prefix {
	var out []netip.Prefix
	for _, p := range st.Pools {
		for _, n := range p.Nodes {
			if n.PodCIDR.IsValid() {
				out = append(out, n.PodCIDR)
			}
		}
	}
	return out
}

// Node is a cluster node as other parts of aksnet (the data plane, the
// planner, the trace) see it.
type Node struct {
	Name     string
	Pool     string
	IP       netip.Addr
	PodCIDR  netip.Prefix
	NICID    string
	SubnetID string
}

// ClusterInfo is a cluster's network layout.
type ClusterInfo struct {
	ID           string
	PodCIDR      netip.Prefix
	ServiceCIDR  netip.Prefix
	DNSServiceIP netip.Addr
	RouteTableID string
	NSGID        string
	NodeRGID     string
	Nodes        []Node
	// Stopped: the cluster is stopped (az aks stop); its nodes and routes
	// are kept, its Kubernetes API is down.
	Stopped bool
}

// Lookup returns the layout of the cluster id as stored in r: false when
// id has no state, an error when its state does not decode.
func Lookup(r store.Reader, id string) (ClusterInfo, bool, error) {
	st, ok, err := loadState(r, id)
	if err != nil || !ok {
		return ClusterInfo{}, false, err
	}
	info := ClusterInfo{ID: st.ClusterID, PodCIDR: st.PodCIDR, ServiceCIDR: st.ServiceCIDR, DNSServiceIP: st.DNSServiceIP,
		RouteTableID: st.RouteTableID, NSGID: st.NSGID, NodeRGID: st.NodeRGID, Stopped: st.Stopped}
	for _, p := range st.Pools {
		for _, n := range p.Nodes {
			info.Nodes = append(info.Nodes, Node{Name: n.Name, Pool: p.Name, IP: n.IP, PodCIDR: n.PodCIDR, NICID: n.NICID, SubnetID: p.SubnetID})
		}
	}
	return info, true, nil
}
