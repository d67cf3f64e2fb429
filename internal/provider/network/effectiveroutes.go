package network

import (
	"encoding/json"
	"fmt"
	"hash/maphash"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/aksnet/aksnet/internal/fabric"
)

// NICRouting is what routing and path analysis need to know about a network
// interface: its address and settings, its subnet, and the effective routes
// of that subnet (system routes merged with the user-defined routes of the
// subnet's route table, as fabric.EffectiveRoutes computes them).
type NICRouting struct {
	ID           string
	Location     string
	IP           netip.Addr
	IPForwarding bool
	// NSGID is the NSG associated with the NIC itself ("" when none).
	NSGID string
	// VirtualMachineID is the VM (or scale set instance) the NIC belongs to.
	VirtualMachineID string
	Subnet           SubnetInfo
	// UDRs are the routes of the subnet's route table, in the fabric model.
	UDRs []fabric.Route
	// Routes is the effective route table: what the Azure portal and
	// effectiveRouteTable show for the NIC.
	Routes []fabric.Route

	table *fabric.Table
}

// Table returns the longest-prefix-match index of the NIC's effective
// routes.
func (n NICRouting) Table() *fabric.Table {
	if n.table != nil {
		return n.table
	}
	return fabric.NewTable(n.Routes)
}

// Tags returns the service tag context of the NIC's VNet: the VNet address
// space plus the UDR prefixes make up the VirtualNetwork tag.
func (n NICRouting) Tags() fabric.TagContext {
	return fabric.NewTagContext(n.Subnet.VNetPrefixes, n.UDRs)
}

// LookupNICRouting reads the stored NIC id and works out its routing. It
// answers 404 NotFound when the NIC does not exist (target names the field
// that referred to it), and 400 when its subnet is gone.
func LookupNICRouting(c *arm.Call, id, target string) (NICRouting, error) {
	return NewRouting(c).NIC(id, target)
}

// Routing works out the routing of NICs within one call, reading each
// subnet, VNet and route table once however many NICs share them (a trace
// over a 400-node cluster reads one subnet, not 400).
type Routing struct {
	c       *arm.Call
	subnets map[string]subnetRouting
}

type subnetRouting struct {
	info         SubnetInfo
	routes, udrs []fabric.Route
	table        *fabric.Table
	err          error
}

// NewRouting returns an empty memo over the call's store view.
func NewRouting(c *arm.Call) *Routing {
	return &Routing{c: c, subnets: map[string]subnetRouting{}}
}

// NIC is LookupNICRouting, memoised.
func (r *Routing) NIC(id, target string) (NICRouting, error) {
	type ref struct {
		ID string `json:"id"`
	}
	var n struct {
		ID         string `json:"id"`
		Location   string `json:"location"`
		Properties *struct {
			EnableIPForwarding   bool `json:"enableIPForwarding"`
			NetworkSecurityGroup *ref `json:"networkSecurityGroup"`
			VirtualMachine       *ref `json:"virtualMachine"`
			IPConfigurations     []struct {
				Properties struct {
					PrivateIPAddress netip.Addr `json:"privateIPAddress"`
					Subnet           *ref       `json:"subnet"`
				} `json:"properties"`
			} `json:"ipConfigurations"`
		} `json:"properties"`
	}
	ok, err := r.c.Load(id, &n)
	if err != nil {
		return NICRouting{}, err
	}
	if !ok || n.Properties == nil || n.ID == "" {
		return NICRouting{}, azerr.NotFound("NotFound", target, "Resource %s not found.", id)
	}
	out := NICRouting{ID: n.ID, Location: n.Location, IPForwarding: n.Properties.EnableIPForwarding}
	if g := n.Properties.NetworkSecurityGroup; g != nil {
		out.NSGID = g.ID
	}
	if vm := n.Properties.VirtualMachine; vm != nil {
		out.VirtualMachineID = vm.ID
	}
	var subnetID string
	if ipcs := n.Properties.IPConfigurations; len(ipcs) > 0 && ipcs[0].Properties.Subnet != nil {
		subnetID = ipcs[0].Properties.Subnet.ID
		out.IP = ipcs[0].Properties.PrivateIPAddress
	}
	if subnetID == "" || !out.IP.IsValid() {
		return NICRouting{}, azerr.BadRequest("InvalidResourceReference", target,
			"Network interface %s has no primary IP configuration in a subnet.", n.ID)
	}
	key := strings.ToLower(subnetID)
	sr, ok := r.subnets[key]
	if !ok {
		sr.info, sr.err = LookupSubnet(r.c, subnetID, target)
		if sr.err == nil {
			sr.routes, sr.udrs, sr.table = subnetRouting3(r.c, sr.info)
		}
		r.subnets[key] = sr
	}
	if sr.err != nil {
		return NICRouting{}, sr.err
	}
	out.Subnet, out.Routes, out.UDRs, out.table = sr.info, sr.routes, sr.udrs, sr.table
	return out, nil
}

// subnetRouting3 returns a subnet's effective routes, its UDRs and the
// lookup table over the effective routes. The slices are the caller's; the
// table is shared (it is immutable).
func subnetRouting3(c *arm.Call, sn SubnetInfo) (effective, udrs []fabric.Route, table *fabric.Table) {
	vnetKey := fmt.Sprint(sn.VNetPrefixes)
	var h maphash.Hash
	h.SetSeed(routeHashSeed)
	if sn.RouteTableID != "" {
		c.ScanChildren(sn.RouteTableID, "routes", func(raw []byte) bool {
			_, _ = h.Write(raw)
			_ = h.WriteByte(0)
			return true
		})
	}
	key, sum := strings.ToLower(sn.RouteTableID)+"|"+vnetKey, h.Sum64()
	routeCache.Lock()
	e, ok := routeCache.m[key]
	routeCache.Unlock()
	if ok && e.sum == sum {
		return slices.Clone(e.effective), slices.Clone(e.udrs), e.table
	}
	if sn.RouteTableID != "" {
		udrs = tableRoutes(c, sn.RouteTableID)
	}
	effective = fabric.EffectiveRoutes(sn.VNetPrefixes, udrs)
	table = fabric.NewTable(effective)
	routeCache.Lock()
	if len(routeCache.m) >= routeCacheMax {
		clear(routeCache.m)
	}
	routeCache.m[key] = routeCacheEntry{sum: sum, effective: slices.Clone(effective), udrs: slices.Clone(udrs), table: table}
	routeCache.Unlock()
	return effective, udrs, table
}

// routeCache keeps the routing of subnets, keyed by route table and VNet
// address space and checked against a hash of the stored route documents:
// a hit costs one scan and a hash instead of decoding, sorting and indexing
// every route, and any change to a route (or a route added or removed)
// misses. It is bounded and shared by every call; entries are never
// modified, callers get copies.
var routeCache = struct {
	sync.Mutex
	m map[string]routeCacheEntry
}{m: map[string]routeCacheEntry{}}

type routeCacheEntry struct {
	sum             uint64
	effective, udrs []fabric.Route
	table           *fabric.Table
}

// routeCacheMax bounds routeCache; it is emptied when full.
const routeCacheMax = 512

var routeHashSeed = maphash.MakeSeed()

// tableRoutes reads the routes of route table rtID (as the subnet names it)
// in the fabric model, decoding only the fields routing needs.
func tableRoutes(c *arm.Call, rtID string) []fabric.Route {
	var out []fabric.Route
	c.ScanChildren(rtID, "routes", func(raw []byte) bool {
		var r storedRoute
		if json.Unmarshal(raw, &r) != nil {
			return true
		}
		if !r.Properties.AddressPrefix.IsValid() {
			return true
		}
		out = append(out, fabric.Route{Name: r.Name, Source: fabric.SourceUser, State: fabric.StateActive, Prefix: r.Properties.AddressPrefix,
			NextHopType: fabric.NextHopType(r.Properties.NextHopType), NextHopIP: r.Properties.NextHopIPAddress, RouteTableID: rtID})
		return true
	})
	return out
}

// EffectiveRoute is one entry of a NIC's effective route table, in the shape
// of Azure's effectiveRouteTable answer. Name is null for system routes;
// addressPrefix and nextHopIpAddress are lists, nextHopIpAddress empty for
// every type but VirtualAppliance.
type EffectiveRoute struct {
	Name                       *string  `json:"name"`
	DisableBgpRoutePropagation bool     `json:"disableBgpRoutePropagation"`
	Source                     string   `json:"source"`
	State                      string   `json:"state"`
	AddressPrefix              []string `json:"addressPrefix"`
	NextHopIPAddress           []string `json:"nextHopIpAddress"`
	NextHopType                string   `json:"nextHopType"`
}

// EffectiveRouteList is the answer of effectiveRouteTable.
type EffectiveRouteList struct {
	Value []EffectiveRoute `json:"value"`
}

// EffectiveRouteListOf renders routes as effectiveRouteTable answers them.
func EffectiveRouteListOf(routes []fabric.Route) EffectiveRouteList {
	out := EffectiveRouteList{Value: make([]EffectiveRoute, 0, len(routes))}
	for _, r := range routes {
		e := EffectiveRoute{Source: r.Source, State: r.State, AddressPrefix: []string{r.Prefix.String()},
			NextHopIPAddress: []string{}, NextHopType: string(r.NextHopType)}
		if e.State == "" {
			e.State = fabric.StateActive
		}
		if r.Name != "" {
			e.Name = &r.Name
		}
		if r.NextHopType == fabric.VirtualAppliance && r.NextHopIP.IsValid() {
			e.NextHopIPAddress = []string{r.NextHopIP.String()}
		}
		out.Value = append(out.Value, e)
	}
	return out
}

// effectiveRouteTable answers POST
// …/networkInterfaces/{nic}/effectiveRouteTable: the system routes of the
// NIC's VNet merged with the routes of its subnet's route table, with a
// system route shadowed by a user route of the same prefix marked Invalid.
//
// Azure answers this operation as a long-running POST (202 and a Location to
// poll); aksnet computes it at once and answers 200 with the result, which
// the Azure SDKs' pollers and az accept as a finished operation.
func (p *Provider) effectiveRouteTable(c *arm.Call) (int, any, error) {
	if err := emptyOrObject(c.Body); err != nil {
		return 0, nil, err
	}
	n, err := LookupNICRouting(c, c.ID, "networkInterfaceName")
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, EffectiveRouteListOf(n.Routes), nil
}

// emptyOrObject accepts an action body that is empty or a JSON object.
func emptyOrObject(body []byte) error {
	if strings.TrimSpace(string(body)) == "" {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return azerr.BadRequest("InvalidRequestContent", "", "The request content was invalid and could not be deserialized: %s", err.Error())
	}
	return nil
}
