package network

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/aksnet/aksnet/internal/kubenet"
)

func (p *Provider) virtualNetworkKind() *arm.Kind {
	k := trackedKind(TypeVirtualNetwork, vnetNameRule, p.putVirtualNetwork)
	k.AfterDelete = afterDeleteVirtualNetwork
	k.Model = armnetwork.VirtualNetwork{}
	// privateEndpointVNetPolicies came with 2024-05-01 (go-azure-sdk's
	// network/2024-05-01 is the first with it); a VNet created without it
	// shows the network RP's default, Disabled, to those api-versions, so a
	// VNet made by az and imported into Terraform (azurerm's
	// private_endpoint_vnet_policies defaults to Disabled) plans no change.
	k.VersionedFields = []arm.VersionedField{
		{Path: "properties.privateEndpointVNetPolicies", Since: "2024-05-01", Default: json.RawMessage(`"Disabled"`)},
	}
	return k
}

// subnetList is a VNet body's inline subnets.
var subnetList = inlineList{
	path:    "properties.subnets",
	rule:    subnetNameRule,
	missing: "Subnet at %s has no name.",
	twice:   "Subnet name %s appears more than once in virtual network %s.",
}

func subnetName(s *armnetwork.Subnet) *string { return s.Name }

// afterDeleteVirtualNetwork re-renders the route tables and NSGs the VNet's
// subnets named: the subnets went with it, so they no longer list them.
func afterDeleteVirtualNetwork(c *arm.Call) error {
	var v armnetwork.VirtualNetwork
	if err := json.Unmarshal(c.Existing, &v); err != nil || v.Properties == nil {
		return nil
	}
	for _, s := range v.Properties.Subnets {
		raw, err := json.Marshal(s)
		if err != nil {
			return err
		}
		if err := renderAssociations(c, raw); err != nil {
			return err
		}
	}
	return nil
}

// putVirtualNetwork creates or replaces a VNet. As in Azure, the body's
// subnets are the complete set: subnets it leaves out are deleted (refused
// while in use), the others are created or updated.
func (p *Provider) putVirtualNetwork(c *arm.Call) ([]byte, error) {
	var v armnetwork.VirtualNetwork
	if err := c.Decode(&v); err != nil {
		return nil, err
	}
	// ARM checks linked access before the network RP validates anything.
	if err := authorizeSubnetLinks(c, v.Properties); err != nil {
		return nil, err
	}
	loc, err := trackedEnvelope(c, v.Location)
	if err != nil {
		return nil, err
	}
	prefixes, err := p.vnetAddressSpace(c, v.Properties)
	if err != nil {
		return nil, err
	}
	inline := v.Properties.Subnets
	final, err := inlineSubnetPrefixes(c.Name, inline)
	if err != nil {
		return nil, err
	}
	// Subnets left out of the body are deleted, as in Azure.
	keep := make(map[string]bool, len(final))
	for k := range final {
		keep[k] = true
	}
	// A subnet still in use refuses to go, so outer is "": references from
	// the VNet's other children count.
	if err := deleteChildrenExcept(c, "subnets", keep, ""); err != nil {
		return nil, err
	}
	// The subnets are stored with the VNet's new etag, which they show
	// (saveFamily): none of them is stored a second time to follow it.
	etag := arm.NewETag()
	for i, s := range inline {
		t := subnetList.path + "[" + itoa(i) + "]"
		id := c.ID + "/subnets/" + *s.Name
		if err := p.writeSubnet(c, c.Name, id, s, t, prefixes, final, etag); err != nil {
			return nil, err
		}
	}
	out := armnetwork.VirtualNetwork{
		ID:       to.Ptr(c.ID),
		Name:     to.Ptr(arm.LastName(c.ID)),
		Type:     to.Ptr(TypeVirtualNetwork),
		Location: to.Ptr(loc),
		Tags:     v.Tags,
		Etag:     to.Ptr(etag),
		Properties: &armnetwork.VirtualNetworkPropertiesFormat{
			AddressSpace:         &armnetwork.AddressSpace{AddressPrefixes: toPtrs(prefixStrings(prefixes))},
			DhcpOptions:          v.Properties.DhcpOptions,
			EnableDdosProtection: to.Ptr(false),
			ProvisioningState:    succeeded(),
			ResourceGUID:         to.Ptr(resourceGUID(c)),
			// Settings with no effect here are kept as sent, so a client
			// reads back what it wrote (Terraform plans no change). Links
			// to resources aksnet does not serve (a DDoS plan, IP
			// allocations) are not: they could not be authorized.
			BgpCommunities:              writableBgpCommunities(v.Properties.BgpCommunities),
			EnableVMProtection:          v.Properties.EnableVMProtection,
			Encryption:                  v.Properties.Encryption,
			FlowTimeoutInMinutes:        v.Properties.FlowTimeoutInMinutes,
			PrivateEndpointVNetPolicies: v.Properties.PrivateEndpointVNetPolicies,
		},
	}

	return renderVirtualNetwork(c, &out)
}

// writableBgpCommunities is the part of a body's BGP communities a client
// sets: the regional community is Azure's, read-only.
func writableBgpCommunities(b *armnetwork.VirtualNetworkBgpCommunities) *armnetwork.VirtualNetworkBgpCommunities {
	if b == nil || b.VirtualNetworkCommunity == nil {
		return nil
	}
	return &armnetwork.VirtualNetworkBgpCommunities{VirtualNetworkCommunity: b.VirtualNetworkCommunity}
}

// authorizeSubnetLinks checks the caller's access to the route tables and
// NSGs that a VNet body's named subnets link to.
func authorizeSubnetLinks(c *arm.Call, props *armnetwork.VirtualNetworkPropertiesFormat) error {
	if props == nil {
		return nil
	}
	var links []arm.Link
	for i, s := range props.Subnets {
		if s != nil && s.Name != nil && *s.Name != "" {
			l, err := subnetLinks(c, c.ID+"/subnets/"+*s.Name, s.Properties, subnetList.path+"["+itoa(i)+"]")
			if err != nil {
				return err
			}
			links = append(links, l...)
		}
	}
	return c.AuthorizeLinked(links...)
}

// vnetAddressSpace reads and checks a VNet body's address space: at least
// one prefix, none overlapping another, and a change allowed by
// checkAddressSpaceChange.
func (p *Provider) vnetAddressSpace(c *arm.Call, props *armnetwork.VirtualNetworkPropertiesFormat) ([]netip.Prefix, error) {
	const spaceTarget = "properties.addressSpace.addressPrefixes"
	if props == nil || props.AddressSpace == nil || len(props.AddressSpace.AddressPrefixes) == 0 {
		return nil, azerr.BadRequest("InvalidAddressSpace", spaceTarget,
			"Virtual network %s must have at least one address prefix in properties.addressSpace.addressPrefixes.", c.Name)
	}
	prefixes, err := prefixesOf(props.AddressSpace.AddressPrefixes, spaceTarget)
	if err != nil {
		return nil, err
	}
	for i := range prefixes {
		for j := range i {
			if prefixes[i].Overlaps(prefixes[j]) {
				return nil, azerr.BadRequest("VnetAddressSpacesOverlap", spaceTarget,
					"The address prefixes %s and %s of virtual network %s overlap.", prefixes[j], prefixes[i], c.Name)
			}
		}
	}
	if c.Existing != nil {
		if err := p.checkAddressSpaceChange(c, prefixes); err != nil {
			return nil, err
		}
	}
	return prefixes, nil
}

// inlineSubnetPrefixes checks the names and prefixes of the subnets inline
// in the body of VNet vnetName and returns them by lowercased name. Of two
// overlapping subnets the later is the one at fault, as in Azure.
func inlineSubnetPrefixes(vnetName string, inline []*armnetwork.Subnet) (map[string]namedPrefix, error) {
	final := map[string]namedPrefix{}
	_, err := eachNamed(subnetList, vnetName, inline, subnetName, func(t, name string, s *armnetwork.Subnet) error {
		pref, err := subnetPrefix(s.Properties, t)
		if err != nil {
			return err
		}
		for _, other := range final {
			if other.prefix.Overlaps(pref) {
				return azerr.BadRequest("NetcfgSubnetRangesOverlap", t+".properties.addressPrefix",
					"Subnet '%s' is not valid because its IP address range %s overlaps with that of an existing subnet '%s' (%s) in virtual network '%s'.",
					name, pref, other.name, other.prefix, vnetName)
			}
		}
		final[strings.ToLower(name)] = namedPrefix{name, pref}
		return nil
	})
	return final, err
}

// checkAddressSpaceChange refuses a change of address space that would leave
// a subnet outside it, or that touches a VNet a kubenet cluster uses: the
// article fixes the cluster's ranges, VNet included, at creation.
func (p *Provider) checkAddressSpaceChange(c *arm.Call, prefixes []netip.Prefix) error {
	var old armnetwork.VirtualNetwork
	if err := json.Unmarshal(c.Existing, &old); err != nil || old.Properties == nil || old.Properties.AddressSpace == nil {
		return nil
	}
	oldPrefixes, err := storedPrefixes(old.Properties.AddressSpace.AddressPrefixes)
	if err != nil {
		return fmt.Errorf("virtual network %s: %w", c.ID, err)
	}
	oldS := prefixStrings(oldPrefixes)
	newS := prefixStrings(prefixes)
	if strings.Join(oldS, ",") == strings.Join(newS, ",") {
		return nil
	}
	var user string
	c.ScanChildren(c.ID, "subnets", func(raw []byte) bool {
		var s armnetwork.Subnet
		if json.Unmarshal(raw, &s) == nil && s.ID != nil {
			if cl := refsOfType(c, *s.ID, typeManagedCluster); len(cl) > 0 {
				user = cl[0]
				return false
			}
		}
		return true
	})
	if user != "" {
		return azerr.BadRequest(kubenet.CodePropertyChangeNotAllowed, "properties.addressSpace.addressPrefixes",
			"The address space of virtual network %s can't change from %s to %s while kubenet cluster %s uses it: the cluster's ranges are fixed at creation.",
			c.Name, strings.Join(oldS, ","), strings.Join(newS, ","), user)
	}
	return nil
}

// renderVirtualNetwork stores v with its subnets inline and returns the document.
func renderVirtualNetwork(c *arm.Call, v *armnetwork.VirtualNetwork) ([]byte, error) {
	if v.Properties == nil {
		v.Properties = &armnetwork.VirtualNetworkPropertiesFormat{}
	}
	v.Properties.Subnets = []*armnetwork.Subnet{}
	// The network RP always lists the VNet's peerings, [] when it has none
	// (a VNet's exported template and az network vnet show); aksnet serves
	// no peerings.
	v.Properties.VirtualNetworkPeerings = []*armnetwork.VirtualNetworkPeering{}
	return saveWithChildren(c, *v.ID, v, "subnets", "subnets")
}

// RenderVirtualNetwork re-renders the stored VNet id after a subnet change.
func RenderVirtualNetwork(c *arm.Call, id string) error {
	return rerender(c, id, renderVirtualNetwork, "subnets")
}

// VNetPrefixes returns the address prefixes of the stored VNet id: none
// when it does not exist, and an error when its document can't be read.
func VNetPrefixes(c *arm.Call, id string) ([]netip.Prefix, error) {
	// Only the address space: the VNet's document holds every subnet, with
	// every IP configuration of every node.
	var v struct {
		Properties *struct {
			AddressSpace *struct {
				AddressPrefixes []*string `json:"addressPrefixes"`
			} `json:"addressSpace"`
		} `json:"properties"`
	}
	ok, err := c.Load(id, &v)
	if err != nil {
		return nil, err
	}
	if !ok || v.Properties == nil || v.Properties.AddressSpace == nil {
		return nil, nil
	}
	ps, err := storedPrefixes(v.Properties.AddressSpace.AddressPrefixes)
	if err != nil {
		return nil, fmt.Errorf("virtual network %s: %w", id, err)
	}
	return ps, nil
}

// storedPrefixes parses a stored address space. Its prefixes were
// validated on PUT, so an error means a damaged record; it is returned, not
// skipped, so that no check runs on part of an address space.
func storedPrefixes(ss []*string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range ss {
		if s == nil {
			continue
		}
		p, err := netip.ParsePrefix(*s)
		if err != nil {
			return nil, fmt.Errorf("stored address prefix: %w", err)
		}
		out = append(out, p)
	}
	return out, nil
}

func prefixStrings(ps []netip.Prefix) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

func toPtrs(ss []string) []*string {
	out := make([]*string, len(ss))
	for i := range ss {
		out[i] = &ss[i]
	}
	return out
}

// resourceGUID keeps a resource's GUID across updates.
func resourceGUID(c *arm.Call) string {
	if c.Existing != nil {
		var old struct {
			Properties struct {
				ResourceGUID string `json:"resourceGuid"`
			} `json:"properties"`
		}
		if json.Unmarshal(c.Existing, &old) == nil && old.Properties.ResourceGUID != "" {
			return old.Properties.ResourceGUID
		}
	}
	return arm.NewUUID()
}
