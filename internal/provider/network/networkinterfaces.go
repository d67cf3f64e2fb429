package network

import (
	"encoding/json"
	"net/netip"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/aksnet/aksnet/internal/kubenet"
)

func (p *Provider) networkInterfaceKind() *arm.Kind {
	k := trackedKind(TypeNetworkInterface, nicNameRule, p.putNetworkInterface)
	k.Actions = map[string]func(*arm.Call) (int, any, error){"effectiveroutetable": p.effectiveRouteTable}
	k.AfterPut = func(c *arm.Call) error { return renderNICLinks(c, c.StoredDoc(c.ID)) }
	k.AfterDelete = func(c *arm.Call) error {
		releaseNICAddresses(c, c.Existing)
		return renderNICLinks(c, c.Existing)
	}
	return k
}

// NICSpec is a network interface as the cluster provisioner creates it: one
// primary IP configuration in a subnet.
type NICSpec struct {
	ID            string
	Location      string
	SubnetID      string
	IP            netip.Addr
	IPForwarding  bool
	NSGID         string
	VirtualMachID string
	Tags          map[string]*string
}

// ipConfigTarget is the JSON path of a NIC body's one IP configuration.
const ipConfigTarget = "properties.ipConfigurations[0]"

func (p *Provider) putNetworkInterface(c *arm.Call) ([]byte, error) {
	var n armnetwork.Interface
	if err := c.Decode(&n); err != nil {
		return nil, err
	}
	if err := c.AuthorizeLinked(nicLinks(c, &n)...); err != nil {
		return nil, err
	}
	loc, err := trackedEnvelope(c, n.Location)
	if err != nil {
		return nil, err
	}
	if n.Properties == nil || len(n.Properties.IPConfigurations) != 1 || n.Properties.IPConfigurations[0] == nil {
		return nil, azerr.BadRequest("InvalidRequestFormat", "properties.ipConfigurations",
			"Network interface %s must have exactly one IP configuration (aksnet models the primary configuration only).", c.Name)
	}
	ipc := n.Properties.IPConfigurations[0]
	sn, nsgID, err := nicLinkedIDs(c, n.Properties, ipc)
	if err != nil {
		return nil, err
	}
	ipcName := "ipconfig1"
	if ipc.Name != nil && *ipc.Name != "" {
		ipcName = *ipc.Name
	}
	static := ipc.Properties.PrivateIPAllocationMethod != nil && strings.EqualFold(string(*ipc.Properties.PrivateIPAllocationMethod), "Static")
	ip, err := nicAddress(c, sn, ipc.Properties, static, c.ID+"/ipConfigurations/"+ipcName)
	if err != nil {
		return nil, err
	}
	spec := NICSpec{ID: c.ID, Location: loc, SubnetID: sn.ID, IP: ip, NSGID: nsgID, Tags: n.Tags}
	if n.Properties.EnableIPForwarding != nil {
		spec.IPForwarding = *n.Properties.EnableIPForwarding
	}
	old := c.Existing
	if err := saveNIC(c, spec, ipcName, static); err != nil {
		return nil, err
	}
	if err := renderNICLinks(c, old); err != nil {
		return nil, err
	}
	return c.StoredDoc(c.ID), nil
}

// nicLinkedIDs checks and reads the subnet of a NIC body's IP configuration
// ipc, which it must name, and the id of the NSG it names ("" for none).
func nicLinkedIDs(c *arm.Call, props *armnetwork.InterfacePropertiesFormat, ipc *armnetwork.InterfaceIPConfiguration) (SubnetInfo, string, error) {
	const t = ipConfigTarget + ".properties.subnet.id"
	if ipc.Properties == nil || ipc.Properties.Subnet == nil || ipc.Properties.Subnet.ID == nil {
		return SubnetInfo{}, "", azerr.BadRequest("InvalidRequestFormat", t, "IP configuration of %s must name a subnet.", c.Name)
	}
	subnetID, err := parseRefID(c, *ipc.Properties.Subnet.ID, t, TypeSubnet, c.ID)
	if err != nil {
		return SubnetInfo{}, "", err
	}
	sn, err := LookupSubnet(c, subnetID, t)
	if err != nil {
		return SubnetInfo{}, "", err
	}
	var nsgID string
	if props.NetworkSecurityGroup != nil && props.NetworkSecurityGroup.ID != nil {
		if nsgID, err = parseRefID(c, *props.NetworkSecurityGroup.ID, "properties.networkSecurityGroup.id", TypeNSG, c.ID); err != nil {
			return SubnetInfo{}, "", err
		}
	}
	return sn, nsgID, nil
}

// nicAddress gives the NIC's IP configuration owner its address in subnet
// sn: the current one unless the request moves it to another subnet or pins
// another (static) address, else the pinned address or the lowest free one.
func nicAddress(c *arm.Call, sn SubnetInfo, props *armnetwork.InterfaceIPConfigurationPropertiesFormat, static bool, owner string) (netip.Addr, error) {
	const t = ipConfigTarget + ".properties.privateIPAddress"
	var want netip.Addr
	if static {
		if props.PrivateIPAddress == nil {
			return netip.Addr{}, azerr.BadRequest("PrivateIPAddressRequired", t, "A static IP configuration must name its privateIPAddress.")
		}
		a, err := kubenet.ParseAddr(*props.PrivateIPAddress, t)
		if err != nil {
			return netip.Addr{}, err
		}
		want = a
	}
	var cur netip.Addr
	var curSubnet string
	if c.Existing != nil {
		curSubnet, cur = primaryIP(c.Existing)
	}
	if strings.EqualFold(curSubnet, sn.ID) && (!want.IsValid() || want == cur) {
		return cur, nil
	}
	if cur.IsValid() {
		ReleaseIP(c, curSubnet, cur)
	}
	if want.IsValid() {
		return want, ClaimIP(c, sn, want, owner, t)
	}
	ips, err := AllocateIPs(c, sn, []string{owner}, ipConfigTarget+".properties.subnet.id")
	if err != nil {
		return netip.Addr{}, err
	}
	return ips[0], nil
}

// SaveNIC stores a network interface built by the cluster provisioner. The
// caller has already claimed spec.IP; it renders the subnet once afterwards.
func SaveNIC(c *arm.Call, spec NICSpec) error {
	return saveNIC(c, spec, "ipconfig1", false)
}

func saveNIC(c *arm.Call, spec NICSpec, ipcName string, static bool) error {
	method := armnetwork.IPAllocationMethodDynamic
	if static {
		method = armnetwork.IPAllocationMethodStatic
	}
	n := armnetwork.Interface{
		ID:       to.Ptr(spec.ID),
		Name:     to.Ptr(arm.LastName(spec.ID)),
		Type:     to.Ptr(TypeNetworkInterface),
		Location: to.Ptr(spec.Location),
		Tags:     spec.Tags,
		Etag:     to.Ptr(arm.NewETag()),
		Properties: &armnetwork.InterfacePropertiesFormat{
			EnableIPForwarding:          to.Ptr(spec.IPForwarding),
			EnableAcceleratedNetworking: to.Ptr(false),
			Primary:                     to.Ptr(true),
			ProvisioningState:           succeeded(),
			MacAddress:                  to.Ptr(macFor(spec.IP)),
			IPConfigurations: []*armnetwork.InterfaceIPConfiguration{{
				ID:   to.Ptr(spec.ID + "/ipConfigurations/" + ipcName),
				Name: to.Ptr(ipcName),
				Type: to.Ptr("Microsoft.Network/networkInterfaces/ipConfigurations"),
				Properties: &armnetwork.InterfaceIPConfigurationPropertiesFormat{
					Subnet:                    &armnetwork.Subnet{ID: to.Ptr(spec.SubnetID)},
					PrivateIPAddress:          to.Ptr(spec.IP.String()),
					PrivateIPAllocationMethod: to.Ptr(method),
					PrivateIPAddressVersion:   to.Ptr(armnetwork.IPVersionIPv4),
					Primary:                   to.Ptr(true),
					ProvisioningState:         succeeded(),
				},
			}},
		},
	}
	if spec.NSGID != "" {
		n.Properties.NetworkSecurityGroup = &armnetwork.SecurityGroup{ID: to.Ptr(spec.NSGID)}
	}
	if spec.VirtualMachID != "" {
		n.Properties.VirtualMachine = &armnetwork.SubResource{ID: to.Ptr(spec.VirtualMachID)}
	}
	c.SetRefs(spec.ID, spec.SubnetID, spec.NSGID)
	return c.Save(spec.ID, n)
}

// macFor derives a stable, locally administered MAC from the node IP.
func macFor(a netip.Addr) string {
	b := a.As4()
	return strings.ToUpper(strings.Join([]string{"7C", "1E", hex2(b[0]), hex2(b[1]), hex2(b[2]), hex2(b[3])}, "-"))
}

func hex2(b byte) string {
	const h = "0123456789ABCDEF"
	return string([]byte{h[b>>4], h[b&15]})
}

// primaryIP returns the subnet and address of a stored NIC document ("" and
// the zero Addr when it has none). The address is decoded typed: a stored
// document that is not a NIC's, or whose address does not parse, has none.
func primaryIP(raw []byte) (string, netip.Addr) {
	var n struct {
		Properties *struct {
			IPConfigurations []struct {
				Properties *struct {
					PrivateIPAddress netip.Addr `json:"privateIPAddress"`
					Subnet           *struct {
						ID string `json:"id"`
					} `json:"subnet"`
				} `json:"properties"`
			} `json:"ipConfigurations"`
		} `json:"properties"`
	}
	if json.Unmarshal(raw, &n) != nil || n.Properties == nil || len(n.Properties.IPConfigurations) == 0 {
		return "", netip.Addr{}
	}
	p := n.Properties.IPConfigurations[0].Properties
	if p == nil || p.Subnet == nil || p.Subnet.ID == "" || !p.PrivateIPAddress.IsValid() {
		return "", netip.Addr{}
	}
	return p.Subnet.ID, p.PrivateIPAddress
}

func nsgOf(raw []byte) string {
	var n armnetwork.Interface
	if json.Unmarshal(raw, &n) != nil || n.Properties == nil || n.Properties.NetworkSecurityGroup == nil {
		return ""
	}
	return deref(n.Properties.NetworkSecurityGroup.ID)
}

// renderNICLinks refreshes the subnet and NSG a NIC document names.
func renderNICLinks(c *arm.Call, raw []byte) error {
	if raw == nil {
		return nil
	}
	if sub, _ := primaryIP(raw); sub != "" {
		if err := RenderSubnet(c, sub); err != nil {
			return err
		}
	}
	if nsg := nsgOf(raw); nsg != "" {
		return RenderNSG(c, nsg)
	}
	return nil
}

func releaseNICAddresses(c *arm.Call, raw []byte) {
	if sub, ip := primaryIP(raw); sub != "" && ip.IsValid() {
		ReleaseIP(c, sub, ip)
	}
}

// ipKey indexes the address a in subnet subnetID; its value is the owner id.
func ipKey(subnetID string, a netip.Addr) string {
	return "ip/" + strings.ToLower(subnetID) + "|" + a.String()
}

// UsedIPs returns the addresses taken in subnet subnetID.
func UsedIPs(c *arm.Call, subnetID string) []netip.Addr {
	prefix := "ip/" + strings.ToLower(subnetID) + "|"
	var out []netip.Addr
	c.R.Scan(prefix, func(k string, _ []byte) bool {
		if a, err := netip.ParseAddr(k[len(prefix):]); err == nil {
			out = append(out, a)
		}
		return true
	})
	return out
}

// AllocateIPs takes the lowest free addresses of subnet sn, one per owner
// (an IP configuration id, recorded in the index), or fails with
// SubnetIsFull naming target.
func AllocateIPs(c *arm.Call, sn SubnetInfo, owners []string, target string) ([]netip.Addr, error) {
	ipam := kubenet.NewSubnetIPAM(sn.Prefix, UsedIPs(c, sn.ID))
	ips, err := ipam.Allocate(len(owners), target)
	if err != nil {
		return nil, err
	}
	for i, a := range ips {
		c.Tx.Put(ipKey(sn.ID, a), []byte(owners[i]))
	}
	return ips, nil
}

// ClaimIP takes a specific address of subnet sn for owner.
func ClaimIP(c *arm.Call, sn SubnetInfo, a netip.Addr, owner, target string) error {
	if !sn.Prefix.Contains(a) {
		return azerr.BadRequest("PrivateIPAddressNotInSubnet", target, "IP address %s is not in subnet %s (%s).", a, sn.Name, sn.Prefix)
	}
	ipam := kubenet.NewSubnetIPAM(sn.Prefix, nil)
	if ipam.Capacity() == 0 || a == kubenet.LastAddr(sn.Prefix) || a.Less(kubenet.FirstUsable(sn.Prefix)) {
		return azerr.BadRequest("PrivateIPAddressIsReserved", target, "IP address %s is reserved by Azure in subnet %s; the first usable address is %s.", a, sn.Prefix, kubenet.FirstUsable(sn.Prefix))
	}
	if v, taken := c.R.Get(ipKey(sn.ID, a)); taken && !strings.EqualFold(string(v), owner) {
		return azerr.BadRequest("PrivateIPAddressInUse", target, "IP address %s is already in use by %s.", a, string(v))
	}
	c.Tx.Put(ipKey(sn.ID, a), []byte(owner))
	return nil
}

// ReleaseIP frees address a of subnet subnetID.
func ReleaseIP(c *arm.Call, subnetID string, a netip.Addr) {
	c.Tx.Delete(ipKey(subnetID, a))
}
