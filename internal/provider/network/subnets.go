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

// namedPrefix is a subnet's name, as the client spelled it, and prefix.
type namedPrefix struct {
	name   string
	prefix netip.Prefix
}

// MinSubnetBits is the longest prefix Azure accepts for a subnet (/29).
const MinSubnetBits = 29

func (p *Provider) subnetKind() *arm.Kind {
	return &arm.Kind{
		Type:         TypeSubnet,
		Model:        armnetwork.Subnet{},
		ValidName:    subnetNameRule.Check,
		Display:      "Subnet",
		InUseCode:    "InUseSubnetCannotBeDeleted",
		NotFoundCode: "NotFound",
		Put:          p.putSubnet,
		AfterPut: func(c *arm.Call) error {
			if err := renewETag(c, c.Parent); err != nil {
				return err
			}
			return RenderVirtualNetwork(c, c.Parent)
		},
		AfterDelete: func(c *arm.Call) error {
			if err := renderAssociations(c, c.Existing); err != nil {
				return err
			}
			return RenderVirtualNetwork(c, c.Parent)
		},
	}
}

func (p *Provider) putSubnet(c *arm.Call) ([]byte, error) {
	var s armnetwork.Subnet
	if err := c.Decode(&s); err != nil {
		return nil, err
	}
	links, err := subnetLinks(c, c.ID, s.Properties, "")
	if err != nil {
		return nil, err
	}
	if err := c.AuthorizeLinked(links...); err != nil {
		return nil, err
	}
	vnetID := c.Parent
	var vnet armnetwork.VirtualNetwork
	if _, err := c.Load(vnetID, &vnet); err != nil {
		return nil, err
	}
	vnetPrefixes, err := storedPrefixes(vnet.Properties.AddressSpace.AddressPrefixes)
	if err != nil {
		return nil, fmt.Errorf("virtual network %s: %w", vnetID, err)
	}
	pref, err := subnetPrefix(s.Properties, "")
	if err != nil {
		return nil, err
	}
	siblings := map[string]namedPrefix{strings.ToLower(c.Name): {c.Name, pref}}
	if err := eachChild(c, vnetID, "subnets", func(o *armnetwork.Subnet) bool {
		if o.Name != nil && !strings.EqualFold(*o.Name, c.Name) {
			if op, err := subnetPrefix(o.Properties, ""); err == nil {
				siblings[strings.ToLower(*o.Name)] = namedPrefix{*o.Name, op}
			}
		}
		return true
	}); err != nil {
		return nil, err
	}
	// The VNet's render that follows gives the subnet the VNet's new etag.
	if err := p.writeSubnet(c, *vnet.Name, c.ID, &s, "", vnetPrefixes, siblings, arm.NewETag()); err != nil {
		return nil, err
	}
	return c.StoredDoc(c.ID), nil
}

// subnetPrefix reads and checks a subnet's address prefix. target is the
// JSON path of the subnet in the request ("" when the subnet is the body).
func subnetPrefix(props *armnetwork.SubnetPropertiesFormat, target string) (netip.Prefix, error) {
	t := joinTarget(target, "properties.addressPrefix")
	var raw string
	switch {
	case props != nil && props.AddressPrefix != nil && *props.AddressPrefix != "":
		raw = *props.AddressPrefix
	case props != nil && len(props.AddressPrefixes) > 0 && props.AddressPrefixes[0] != nil:
		raw, t = *props.AddressPrefixes[0], joinTarget(target, "properties.addressPrefixes[0]")
	default:
		return netip.Prefix{}, azerr.BadRequest("InvalidRequestFormat", t, "The subnet must have an address prefix in %s.", t)
	}
	p, err := parsePrefix(raw, t)
	if err != nil {
		return netip.Prefix{}, err
	}
	if p.Bits() > MinSubnetBits {
		// Azure's smallest subnet is a /29; no public code was found for the
		// error, so aksnet names it in the network RP's Netcfg style.
		return netip.Prefix{}, azerr.BadRequest("NetcfgInvalidSubnet", t,
			"Subnet prefix %s is too small: the smallest supported subnet is a /%d.", p, MinSubnetBits)
	}
	return p, nil
}

func joinTarget(base, field string) string {
	if base == "" {
		return field
	}
	return base + "." + field
}

// writeSubnet validates subnet s (to be stored at id in the VNet named
// vnetName) against the VNet's prefixes and its siblings' (keyed by
// lowercased name, including s itself), stores it with etag and its
// references, and re-renders the route tables and NSGs it joins or leaves.
func (p *Provider) writeSubnet(c *arm.Call, vnetName, id string, s *armnetwork.Subnet, target string, vnetPrefixes []netip.Prefix, siblings map[string]namedPrefix, etag string) error {
	name := arm.LastName(id)
	pref := siblings[strings.ToLower(name)].prefix
	if err := checkSubnetPlace(name, pref, joinTarget(target, "properties.addressPrefix"), vnetName, vnetPrefixes, siblings); err != nil {
		return err
	}
	props := s.Properties
	if props == nil {
		props = &armnetwork.SubnetPropertiesFormat{}
	}
	rtID, nsgID, err := subnetRefIDs(c, id, props, target)
	if err != nil {
		return err
	}
	var old armnetwork.Subnet
	existing := c.StoredDoc(id)
	if existing != nil {
		if err := json.Unmarshal(existing, &old); err != nil {
			return fmt.Errorf("decode stored subnet %s: %w", id, err)
		}
		if old.ID == nil {
			return fmt.Errorf("stored subnet %s has no id", id)
		}
		id = *old.ID
		if err := checkSubnetInUseChange(c, &old, pref, target); err != nil {
			return err
		}
	}
	out := armnetwork.Subnet{
		ID:   to.Ptr(id),
		Name: to.Ptr(arm.LastName(id)),
		Type: to.Ptr(TypeSubnet),
		Etag: to.Ptr(etag),
		Properties: &armnetwork.SubnetPropertiesFormat{
			AddressPrefix:                     to.Ptr(pref.String()),
			PrivateEndpointNetworkPolicies:    orDefault(props.PrivateEndpointNetworkPolicies, armnetwork.VirtualNetworkPrivateEndpointNetworkPoliciesDisabled),
			PrivateLinkServiceNetworkPolicies: orDefault(props.PrivateLinkServiceNetworkPolicies, armnetwork.VirtualNetworkPrivateLinkServiceNetworkPoliciesEnabled),
			ServiceEndpoints:                  props.ServiceEndpoints,
			// The network RP always lists a subnet's delegations, [] when
			// it has none; serviceEndpoints only when the client set them.
			Delegations:       orEmpty(props.Delegations),
			ProvisioningState: succeeded(),
		},
	}
	if rtID != "" {
		out.Properties.RouteTable = &armnetwork.RouteTable{ID: to.Ptr(rtID)}
	}
	if nsgID != "" {
		out.Properties.NetworkSecurityGroup = &armnetwork.SecurityGroup{ID: to.Ptr(nsgID)}
	}
	out.Properties.IPConfigurations = ipConfigurationsOf(c, id)
	c.SetRefs(id, rtID, nsgID)
	if err := c.Save(id, out); err != nil {
		return err
	}
	// Route tables and NSGs the subnet joined or left list it.
	if err := renderAssociations(c, existing); err != nil {
		return err
	}
	return renderAssociated(c, rtID, nsgID)
}

// checkSubnetPlace refuses a subnet name whose prefix pref (at target) lies
// outside the address space of VNet vnetName or overlaps a sibling's
// (siblings are keyed by lowercased name and may include the subnet itself).
func checkSubnetPlace(name string, pref netip.Prefix, target, vnetName string, vnetPrefixes []netip.Prefix, siblings map[string]namedPrefix) error {
	inside := false
	for _, vp := range vnetPrefixes {
		if kubenet.Contains(vp, pref) {
			inside = true
		}
	}
	if !inside {
		return azerr.BadRequest("NetcfgSubnetRangeOutsideVnet", target,
			"Subnet '%s' is not valid because its IP address range %s is outside the IP address range of virtual network '%s' (%s).",
			name, pref, vnetName, strings.Join(prefixStrings(vnetPrefixes), ", "))
	}
	for key, other := range siblings {
		if key != strings.ToLower(name) && other.prefix.Overlaps(pref) {
			return azerr.BadRequest("NetcfgSubnetRangesOverlap", target,
				"Subnet '%s' is not valid because its IP address range %s overlaps with that of an existing subnet '%s' (%s) in virtual network '%s'.",
				name, pref, other.name, other.prefix, vnetName)
		}
	}
	return nil
}

// subnetRefIDs checks the route table and NSG that the properties of the
// subnet to be stored at id name, and returns their ids ("" for none).
func subnetRefIDs(c *arm.Call, id string, props *armnetwork.SubnetPropertiesFormat, target string) (rtID, nsgID string, err error) {
	if props.RouteTable != nil && props.RouteTable.ID != nil && *props.RouteTable.ID != "" {
		if rtID, err = parseRefID(c, *props.RouteTable.ID, joinTarget(target, "properties.routeTable.id"), TypeRouteTable, id); err != nil {
			return "", "", err
		}
	}
	if props.NetworkSecurityGroup != nil && props.NetworkSecurityGroup.ID != nil && *props.NetworkSecurityGroup.ID != "" {
		if nsgID, err = parseRefID(c, *props.NetworkSecurityGroup.ID, joinTarget(target, "properties.networkSecurityGroup.id"), TypeNSG, id); err != nil {
			return "", "", err
		}
	}
	return rtID, nsgID, nil
}

// checkSubnetInUseChange enforces what may not change while a subnet is in
// use: its prefix while NICs or a kubenet cluster sit in it. Its route table
// may be detached or replaced even while a kubenet cluster uses it, as the
// network RP allows: cross-node pod traffic then breaks, a real outage users
// can rehearse. Only AKS's own operations refuse the changed association
// afterwards (CustomRouteTableInvalidUpdateAttempt, in the containerservice
// provider).
func checkSubnetInUseChange(c *arm.Call, old *armnetwork.Subnet, pref netip.Prefix, target string) error {
	var oldPref string
	if old.Properties != nil && old.Properties.AddressPrefix != nil {
		oldPref = *old.Properties.AddressPrefix
	}
	clusters := refsOfType(c, *old.ID, typeManagedCluster)
	nics := nicRefs(c, *old.ID)
	if oldPref != pref.String() && (len(nics) > 0 || len(clusters) > 0) {
		user := append(clusters, nics...)[0]
		return azerr.BadRequest("InUseSubnetCannotBeUpdated", joinTarget(target, "properties.addressPrefix"),
			"Subnet %s is in use by %s and its address prefix can't change from %s to %s.", *old.Name, user, oldPref, pref)
	}
	return nil
}

func orDefault[T any](v *T, def T) *T {
	if v != nil {
		return v
	}
	return &def
}

// renderAssociations re-renders the route table and NSG a subnet document
// names, so their subnets lists stay true.
func renderAssociations(c *arm.Call, subnetDoc []byte) error {
	if subnetDoc == nil {
		return nil
	}
	// Only the two ids are decoded: the SDK's Subnet decoder costs far more.
	var s struct {
		Properties *struct {
			RouteTable           *struct{ ID *string } `json:"routeTable"`
			NetworkSecurityGroup *struct{ ID *string } `json:"networkSecurityGroup"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(subnetDoc, &s); err != nil || s.Properties == nil {
		return err
	}
	var rtID, nsgID string
	if s.Properties.RouteTable != nil && s.Properties.RouteTable.ID != nil {
		rtID = *s.Properties.RouteTable.ID
	}
	if s.Properties.NetworkSecurityGroup != nil && s.Properties.NetworkSecurityGroup.ID != nil {
		nsgID = *s.Properties.NetworkSecurityGroup.ID
	}
	return renderAssociated(c, rtID, nsgID)
}

// renderAssociated re-renders route table rtID and NSG nsgID (either may be
// empty): a subnet joined or left them.
func renderAssociated(c *arm.Call, rtID, nsgID string) error {
	if rtID != "" {
		if err := RenderRouteTable(c, rtID); err != nil {
			return err
		}
	}
	if nsgID != "" {
		if err := RenderNSG(c, nsgID); err != nil {
			return err
		}
	}
	return nil
}

// ipConfigurationsOf lists the NIC IP configurations placed in subnet id,
// from the address index (whose values are the IP configuration ids).
func ipConfigurationsOf(c *arm.Call, subnetID string) []*armnetwork.IPConfiguration {
	out := []*armnetwork.IPConfiguration{}
	c.R.Scan("ip/"+strings.ToLower(subnetID)+"|", func(_ string, v []byte) bool {
		out = append(out, &armnetwork.IPConfiguration{ID: to.Ptr(string(v))})
		return true
	})
	return out
}

// RenderSubnet refreshes a stored subnet's IP configurations and its VNet.
func RenderSubnet(c *arm.Call, subnetID string) error {
	return rerender(c, subnetID, renderSubnetIPConfigurations)
}

func renderSubnetIPConfigurations(c *arm.Call, s *armnetwork.Subnet) ([]byte, error) {
	if s.Properties == nil {
		s.Properties = &armnetwork.SubnetPropertiesFormat{}
	}
	s.Properties.IPConfigurations = ipConfigurationsOf(c, *s.ID)
	raw, err := saveDoc(c, *s.ID, s)
	if err != nil {
		return nil, err
	}
	return raw, RenderVirtualNetwork(c, arm.ParentOf(*s.ID))
}

// SubnetInfo is what other providers need to know of a subnet.
type SubnetInfo struct {
	ID           string
	Name         string
	VNetID       string
	Prefix       netip.Prefix
	VNetPrefixes []netip.Prefix
	RouteTableID string
	NSGID        string
}

// LookupSubnet reads the subnet id (any casing). It returns a 400
// InvalidResourceReference naming target when the subnet does not exist.
//
// It decodes only what SubnetInfo holds, of the subnet and of its VNet:
// their full documents (every IP configuration of every node) would cost
// more than the lookup itself, which routing does for every NIC.
func LookupSubnet(c *arm.Call, id, target string) (SubnetInfo, error) {
	type ref struct {
		ID string `json:"id"`
	}
	var s struct {
		ID         string `json:"id"`
		Name       string `json:"name"`
		Properties *struct {
			AddressPrefix        *string `json:"addressPrefix"`
			RouteTable           *ref    `json:"routeTable"`
			NetworkSecurityGroup *ref    `json:"networkSecurityGroup"`
		} `json:"properties"`
	}
	ok, err := c.Load(id, &s)
	if err != nil {
		return SubnetInfo{}, err
	}
	if !ok || s.Properties == nil {
		return SubnetInfo{}, azerr.BadRequest("InvalidResourceReference", target, "Subnet %s referenced at %s was not found.", id, target)
	}
	info := SubnetInfo{ID: s.ID, Name: s.Name, VNetID: arm.ParentOf(s.ID)}
	if s.Properties.AddressPrefix != nil {
		// Stored prefixes were validated on PUT; one that does not parse is
		// a damaged record, reported rather than read as no prefix.
		if info.Prefix, err = netip.ParsePrefix(*s.Properties.AddressPrefix); err != nil {
			return SubnetInfo{}, fmt.Errorf("subnet %s: stored address prefix: %w", s.ID, err)
		}
	}
	if s.Properties.RouteTable != nil {
		info.RouteTableID = s.Properties.RouteTable.ID
	}
	if s.Properties.NetworkSecurityGroup != nil {
		info.NSGID = s.Properties.NetworkSecurityGroup.ID
	}
	if info.VNetPrefixes, err = VNetPrefixes(c, info.VNetID); err != nil {
		return SubnetInfo{}, err
	}
	return info, nil
}

// SetSubnetRouteTable associates rtID with the subnet, as AKS does for the
// route table it creates when the subnet has none. It bypasses the user-facing
// rules because the caller is the cluster provisioner.
func SetSubnetRouteTable(c *arm.Call, subnetID, rtID string) error {
	var s armnetwork.Subnet
	ok, err := c.Load(subnetID, &s)
	if err != nil || !ok {
		return err
	}
	old := c.StoredDoc(subnetID)
	s.Properties.RouteTable = nil
	if rtID != "" {
		s.Properties.RouteTable = &armnetwork.RouteTable{ID: to.Ptr(rtID)}
	}
	s.Etag = to.Ptr(arm.NewETag())
	nsg := ""
	if s.Properties.NetworkSecurityGroup != nil && s.Properties.NetworkSecurityGroup.ID != nil {
		nsg = *s.Properties.NetworkSecurityGroup.ID
	}
	c.SetRefs(*s.ID, rtID, nsg)
	if err := c.Save(*s.ID, s); err != nil {
		return err
	}
	if err := renderAssociations(c, old); err != nil {
		return err
	}
	if err := renderAssociations(c, c.StoredDoc(*s.ID)); err != nil {
		return err
	}
	return RenderVirtualNetwork(c, arm.ParentOf(*s.ID))
}

// orEmpty returns s, or an empty (not nil) slice for nil, which marshals as
// [] where the network RP returns an empty list.
func orEmpty[T any](s []*T) []*T {
	if s == nil {
		return []*T{}
	}
	return s
}
