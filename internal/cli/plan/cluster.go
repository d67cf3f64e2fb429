package plan

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/aksnet/aksnet/internal/cli/client"
	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/aksnet/aksnet/internal/kubenet"
	"github.com/aksnet/aksnet/internal/planview"
)

// managedCluster is what the planner reads of a managed cluster.
type managedCluster struct {
	ID         string `json:"id"`
	Properties struct {
		NodeResourceGroup string `json:"nodeResourceGroup"`
		NetworkProfile    struct {
			NetworkPlugin     string `json:"networkPlugin"`
			NetworkPluginMode string `json:"networkPluginMode"`
			// The ranges decode typed: absent, null or "" is the zero
			// value, and text that does not parse fails the decode.
			PodCidr      netip.Prefix `json:"podCidr"`
			ServiceCidr  netip.Prefix `json:"serviceCidr"`
			DNSServiceIP netip.Addr   `json:"dnsServiceIP"`
		} `json:"networkProfile"`
		AgentPoolProfiles []struct {
			Count           int    `json:"count"`
			MaxPods         int    `json:"maxPods"`
			VnetSubnetID    string `json:"vnetSubnetID"`
			UpgradeSettings *struct {
				MaxSurge string `json:"maxSurge"`
			} `json:"upgradeSettings"`
		} `json:"agentPoolProfiles"`
	} `json:"properties"`
}

// nodeSubnet is what the planner reads of the node subnet.
type nodeSubnet struct {
	Name       string `json:"name"`
	Properties struct {
		AddressPrefix string `json:"addressPrefix"`
		RouteTable    *struct {
			ID string `json:"id"`
		} `json:"routeTable"`
	} `json:"properties"`
}

// getJSON GETs the resource at path and decodes it into v; what names it
// in a decoding error.
func getJSON(e *command.Env, path, api, what string, v any) error {
	r, err := e.Client.Call(http.MethodGet, path, api, nil)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(r.Body, v); err != nil {
		return fmt.Errorf("decode %s: %w", what, err)
	}
	return nil
}

// clusterPlan reads a live cluster's layout through the API: its network
// profile and pools, its node subnet and VNet, its nodes' NICs, and the
// pod CIDRs its route table gives them.
func clusterPlan(e *command.Env, rg, name string) (planInput, error) {
	var in planInput
	var mc managedCluster
	if err := getJSON(e, e.Client.ClusterPath(rg, name), client.APIAKS, "cluster", &mc); err != nil {
		return in, err
	}
	in.clusterID = mc.ID
	mc.profile(&in.plan)
	subnetID, err := clusterSubnetID(e, &mc, name)
	if err != nil {
		return in, err
	}
	var sn nodeSubnet
	if err := getJSON(e, subnetID, client.APINetwork, "subnet", &sn); err != nil {
		return in, err
	}
	in.subnetName = sn.Name
	if in.plan.SubnetPrefix, err = netip.ParsePrefix(sn.Properties.AddressPrefix); err != nil {
		return in, &output.Error{Code: 1, Message: fmt.Sprintf("subnet %s has no address prefix", subnetID)}
	}
	if err := readVNet(e, subnetID, sn.Name, &in); err != nil {
		return in, err
	}
	in.nodes, err = clusterNodes(e, mc.Properties.NodeResourceGroup, sn.Properties.RouteTable)
	return in, err
}

// profile copies the cluster's network profile and the node count, pods and
// surge of the pools on the first pool's subnet into p.
func (mc *managedCluster) profile(p *kubenet.Plan) {
	np := mc.Properties.NetworkProfile
	p.Plugin = strings.ToLower(np.NetworkPlugin)
	if p.Plugin == kubenet.PluginAzure && strings.EqualFold(np.NetworkPluginMode, "overlay") {
		p.Plugin = kubenet.PlanPluginAzureOverlay
	}
	p.PodCIDR, p.ServiceCIDR, p.DNSServiceIP = np.PodCidr, np.ServiceCidr, np.DNSServiceIP
	pools := mc.Properties.AgentPoolProfiles
	if len(pools) == 0 {
		return
	}
	p.MaxPods = pools[0].MaxPods
	surge := 0
	for _, pool := range pools {
		if !strings.EqualFold(pool.VnetSubnetID, pools[0].VnetSubnetID) {
			continue
		}
		p.NodeCount += pool.Count
		if pool.UpgradeSettings != nil {
			surge = max(surge, parseMaxSurge(pool.UpgradeSettings.MaxSurge, pool.Count))
		}
	}
	p.MaxSurge = surge
}

// clusterSubnetID is the node subnet: the first pool's, or, when AKS made
// the VNet, the first subnet of the VNet in the node resource group.
func clusterSubnetID(e *command.Env, mc *managedCluster, name string) (string, error) {
	if pools := mc.Properties.AgentPoolProfiles; len(pools) > 0 && pools[0].VnetSubnetID != "" {
		return pools[0].VnetSubnetID, nil
	}
	items, err := e.Client.ListItems(e.Client.NetPath(mc.Properties.NodeResourceGroup, "virtualNetworks"), client.APINetwork)
	if err != nil {
		return "", err
	}
	subnetID := ""
	for _, it := range items {
		var v struct {
			Properties struct {
				Subnets []struct {
					ID string `json:"id"`
				} `json:"subnets"`
			} `json:"properties"`
		}
		if json.Unmarshal(it, &v) == nil && len(v.Properties.Subnets) > 0 {
			subnetID = v.Properties.Subnets[0].ID
			break
		}
	}
	if subnetID == "" {
		return "", &output.Error{Code: 1, Message: "cluster " + name + " has no node subnet to plan"}
	}
	return subnetID, nil
}

// readVNet reads the VNet of subnetID: its address space and its other
// subnets.
func readVNet(e *command.Env, subnetID, subnetName string, in *planInput) error {
	var vnet struct {
		Properties struct {
			AddressSpace struct {
				AddressPrefixes []string `json:"addressPrefixes"`
			} `json:"addressSpace"`
			Subnets []struct {
				Name       string `json:"name"`
				Properties struct {
					AddressPrefix string `json:"addressPrefix"`
				} `json:"properties"`
			} `json:"subnets"`
		} `json:"properties"`
	}
	vnetID := subnetID[:strings.LastIndex(strings.ToLower(subnetID), "/subnets/")]
	if err := getJSON(e, vnetID, client.APINetwork, "vnet", &vnet); err != nil {
		return err
	}
	for _, s := range vnet.Properties.AddressSpace.AddressPrefixes {
		if p, err := netip.ParsePrefix(s); err == nil {
			in.plan.VNetPrefixes = append(in.plan.VNetPrefixes, p)
		}
	}
	for _, s := range vnet.Properties.Subnets {
		if p, err := netip.ParsePrefix(s.Properties.AddressPrefix); err == nil && !strings.EqualFold(s.Name, subnetName) {
			in.others = append(in.others, planview.Subnet{Name: s.Name, Prefix: p})
		}
	}
	return nil
}

// clusterNodes lists the nodes (the scale set instances' NICs) of a node
// resource group with the pod CIDRs the route table's managed routes give
// them.
func clusterNodes(e *command.Env, nodeRG string, rt *struct {
	ID string `json:"id"`
}) ([]planview.Node, error) {
	items, err := e.Client.ScaleSetNICs(nodeRG)
	if err != nil {
		return nil, err
	}
	podCIDRs := map[string]netip.Prefix{} // node IP → pod CIDR
	if rt != nil && rt.ID != "" {
		r, err := e.Client.Call(http.MethodGet, rt.ID, client.APINetwork, nil)
		if err != nil {
			return nil, err
		}
		var doc struct {
			Properties struct {
				Routes []struct {
					Name       string `json:"name"`
					Properties struct {
						AddressPrefix    string `json:"addressPrefix"`
						NextHopIPAddress string `json:"nextHopIpAddress"`
					} `json:"properties"`
				} `json:"routes"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(r.Body, &doc); err == nil {
			for _, rr := range doc.Properties.Routes {
				if !strings.Contains(rr.Name, kubenet.ManagedRouteSeparator) {
					continue
				}
				if p, err := netip.ParsePrefix(rr.Properties.AddressPrefix); err == nil {
					podCIDRs[rr.Properties.NextHopIPAddress] = p
				}
			}
		}
	}
	nodes := []planview.Node{}
	for _, it := range items {
		var nic struct {
			Properties struct {
				VirtualMachine struct {
					ID string `json:"id"`
				} `json:"virtualMachine"`
				IPConfigurations []struct {
					Properties struct {
						PrivateIPAddress string `json:"privateIPAddress"`
					} `json:"properties"`
				} `json:"ipConfigurations"`
			} `json:"properties"`
		}
		if json.Unmarshal(it, &nic) != nil || len(nic.Properties.IPConfigurations) == 0 {
			continue
		}
		ip, err := netip.ParseAddr(nic.Properties.IPConfigurations[0].Properties.PrivateIPAddress)
		if err != nil {
			continue
		}
		name, ok := kubenet.InstanceNameOf(nic.Properties.VirtualMachine.ID)
		if !ok {
			continue
		}
		nodes = append(nodes, planview.Node{Name: name, IP: ip, PodCIDR: podCIDRs[ip.String()]})
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].IP.Less(nodes[j].IP) })
	return nodes, nil
}

// parseMaxSurge reads an agent pool's maxSurge ("1", "33%") as a node
// count for count nodes.
func parseMaxSurge(v string, count int) int {
	v = strings.TrimSpace(v)
	if pct, ok := strings.CutSuffix(v, "%"); ok {
		n, err := strconv.ParseFloat(pct, 64)
		if err != nil {
			return 0
		}
		return int(math.Ceil(float64(count) * n / 100))
	}
	n, _ := strconv.Atoi(v)
	return max(n, 0)
}
