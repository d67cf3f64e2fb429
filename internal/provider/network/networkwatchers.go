package network

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"strings"

	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/aksnet/aksnet/internal/fabric"
)

// TypeNetworkWatcher is the type of a regional Network Watcher.
const TypeNetworkWatcher = "Microsoft.Network/networkWatchers"

// Network Watcher names Azure uses when it enables the watcher of a region
// itself (and az when it looks for one): NetworkWatcher_<location> in the
// resource group NetworkWatcherRG.
const (
	NetworkWatcherRG     = "NetworkWatcherRG"
	NetworkWatcherPrefix = "NetworkWatcher_"
)

var watcherNameRule = childNameRule("network watcher")

func (p *Provider) networkWatcherKind() *arm.Kind {
	k := trackedKind(TypeNetworkWatcher, watcherNameRule, p.putNetworkWatcher)
	k.Actions = map[string]func(*arm.Call) (int, any, error){"nexthop": p.nextHop}
	return k
}

// watcherDoc is a Network Watcher document; it has no properties besides
// its provisioning state.
type watcherDoc struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Type       string            `json:"type"`
	Etag       string            `json:"etag"`
	Location   string            `json:"location"`
	Tags       map[string]string `json:"tags"`
	Properties struct {
		ProvisioningState string `json:"provisioningState"`
	} `json:"properties"`
}

// putNetworkWatcher creates or updates a watcher. Azure allows one watcher
// per region and subscription: a second one is refused with
// NetworkWatcherCountLimitReached, the network resource provider's code.
func (p *Provider) putNetworkWatcher(c *arm.Call) ([]byte, error) {
	var in struct {
		Location *string           `json:"location"`
		Tags     map[string]string `json:"tags"`
	}
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	loc, err := trackedEnvelope(c, in.Location)
	if err != nil {
		return nil, err
	}
	sub := c.Parsed.Subscription
	var other string
	if err := eachOfType(c, TypeNetworkWatcher, arm.SubscriptionID(sub)+"/", func(id string, w *watcherDoc) bool {
		if strings.EqualFold(w.Location, loc) && !strings.EqualFold(id, c.ID) {
			other = id
			return false
		}
		return true
	}); err != nil {
		return nil, err
	}
	if other != "" {
		return nil, azerr.BadRequest("NetworkWatcherCountLimitReached", "location",
			"Cannot create more than 1 network watchers for this subscription in this region (%s); %s already exists.", loc, other)
	}
	w := watcherDoc{ID: c.ID, Name: arm.LastName(c.ID), Type: TypeNetworkWatcher, Etag: arm.NewETag(), Location: loc, Tags: in.Tags}
	if w.Tags == nil {
		w.Tags = map[string]string{}
	}
	w.Properties.ProvisioningState = "Succeeded"
	return json.Marshal(w)
}

// NextHopParameters is the body of Network Watcher's nextHop.
type NextHopParameters struct {
	TargetResourceID     string `json:"targetResourceId"`
	SourceIPAddress      string `json:"sourceIPAddress"`
	DestinationIPAddress string `json:"destinationIPAddress"`
	TargetNicResourceID  string `json:"targetNicResourceId,omitempty"`
}

// nextHop answers POST …/networkWatchers/{name}/nextHop: the next hop a
// packet from sourceIPAddress to destinationIPAddress takes when it leaves
// the target VM's NIC, chosen from the NIC's effective routes by longest
// prefix match (user routes before system routes at an equal prefix). The
// answer is {nextHopType, nextHopIpAddress, routeTableId}; routeTableId is
// "System Route" for a system route and the route table's id for a user
// route, and nextHopIpAddress is set only for VirtualAppliance.
//
// The target is a NIC, or a VM or scale set instance whose NIC is found
// through its network profile or the NICs that name it;
// targetNicResourceId picks the NIC when given. Azure routes on the
// destination alone, so the source address is checked for syntax only: a
// kubenet pod sends from a pod IP through its node's NIC, and the answer is
// the same. Like effectiveRouteTable, this long-running operation in Azure
// is answered at once with 200.
func (p *Provider) nextHop(c *arm.Call) (int, any, error) {
	var in NextHopParameters
	if err := c.Decode(&in); err != nil {
		return 0, nil, err
	}
	if strings.TrimSpace(in.TargetResourceID) == "" {
		return 0, nil, azerr.BadRequest("InvalidRequestFormat", "targetResourceId", "The nextHop parameters must name targetResourceId, the VM or network interface to test.")
	}
	src, err := watcherAddr(in.SourceIPAddress, "sourceIPAddress")
	if err != nil {
		return 0, nil, err
	}
	dst, err := watcherAddr(in.DestinationIPAddress, "destinationIPAddress")
	if err != nil {
		return 0, nil, err
	}
	nicID, err := targetNIC(c, in.TargetResourceID, in.TargetNicResourceID, src)
	if err != nil {
		return 0, nil, err
	}
	target := "targetResourceId"
	if in.TargetNicResourceID != "" {
		target = "targetNicResourceId"
	}
	n, err := LookupNICRouting(c, nicID, target)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, fabric.NextHop(n.Table(), src, dst), nil
}

func watcherAddr(s, target string) (netip.Addr, error) {
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil || !a.Is4() {
		return netip.Addr{}, azerr.BadRequest("InvalidParameter", target, "The value '%s' of %s is not a valid IPv4 address.", s, target)
	}
	return a, nil
}

// targetNIC resolves a nextHop target to a NIC id.
func targetNIC(c *arm.Call, targetID, nicID string, src netip.Addr) (string, error) {
	typ := arm.TypeOfID(targetID)
	if typ == "" || !strings.HasPrefix(targetID, "/") {
		return "", azerr.BadRequest("LinkedInvalidPropertyId", "targetResourceId",
			"Property id '%s' at path 'targetResourceId' is invalid. Expect fully qualified resource Id that start with '/subscriptions/{subscriptionId}'.", targetID)
	}
	if nicID != "" && !IsNetworkInterface(nicID) {
		return "", azerr.BadRequest("LinkedInvalidPropertyId", "targetNicResourceId",
			"Property id '%s' at path 'targetNicResourceId' is not a network interface id.", nicID)
	}
	if IsNetworkInterface(targetID) {
		if nicID != "" && !strings.EqualFold(strings.TrimRight(nicID, "/"), strings.TrimRight(targetID, "/")) {
			return "", azerr.BadRequest("InvalidParameter", "targetNicResourceId",
				"targetNicResourceId %s is not the target network interface %s.", nicID, targetID)
		}
		return targetID, nil
	}
	raw := c.StoredDoc(targetID)
	if raw == nil {
		return "", azerr.NotFound("NotFound", "targetResourceId", "Resource %s not found.", targetID)
	}
	nics, err := vmNICs(c, raw)
	if err != nil {
		return "", fmt.Errorf("resource %s: %w", targetID, err)
	}
	if len(nics) == 0 {
		return "", azerr.BadRequest("InvalidParameter", "targetResourceId", "Resource %s has no network interface.", targetID)
	}
	if nicID != "" {
		for _, n := range nics {
			if strings.EqualFold(n, strings.TrimRight(nicID, "/")) {
				return n, nil
			}
		}
		return "", azerr.BadRequest("InvalidParameter", "targetNicResourceId",
			"Network interface %s does not belong to %s.", nicID, targetID)
	}
	// Several NICs: the one holding the source address, else the first.
	for _, n := range nics {
		if _, ip := primaryIP(c.StoredDoc(n)); ip == src {
			return n, nil
		}
	}
	return nics[0], nil
}

// nicVM is what vmNICs reads of a stored NIC: the VM it belongs to.
type nicVM struct {
	Properties struct {
		VirtualMachine *struct {
			ID string `json:"id"`
		} `json:"virtualMachine"`
	} `json:"properties"`
}

// vmNICs lists the NICs of a stored virtual machine document: those its
// network profile names, else those that refer to it, else those that name
// it as their virtual machine.
func vmNICs(c *arm.Call, raw []byte) ([]string, error) {
	var vm struct {
		ID         string `json:"id"`
		Properties struct {
			NetworkProfile struct {
				NetworkInterfaces []struct {
					ID string `json:"id"`
				} `json:"networkInterfaces"`
			} `json:"networkProfile"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &vm); err != nil {
		return nil, fmt.Errorf("decode stored document: %w", err)
	}
	var nics []string
	for _, n := range vm.Properties.NetworkProfile.NetworkInterfaces {
		if n.ID != "" {
			nics = append(nics, n.ID)
		}
	}
	if len(nics) > 0 {
		return nics, nil
	}
	if nics = nicRefs(c, vm.ID); len(nics) > 0 {
		return nics, nil
	}
	if err := eachOfType(c, TypeNetworkInterface, arm.SubscriptionID(c.Parsed.Subscription)+"/", func(id string, n *nicVM) bool {
		if n.Properties.VirtualMachine != nil && strings.EqualFold(n.Properties.VirtualMachine.ID, vm.ID) {
			nics = append(nics, id)
		}
		return true
	}); err != nil {
		return nil, err
	}
	return nics, nil
}
