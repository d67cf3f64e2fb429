// Package vnet is `aksnet network vnet`, az network vnet: virtual networks and their subnets.
package vnet

import (
	"strings"

	"github.com/aksnet/aksnet/internal/cli/azshape"
	"github.com/aksnet/aksnet/internal/cli/client"
	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/flags"
	"github.com/aksnet/aksnet/internal/cli/network/resource"
	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/spf13/cobra"
)

// NewCommand mirrors `az network vnet`.
func NewCommand(s command.Streams, g *command.Globals) *cobra.Command {
	return command.Group("vnet", "Manage Azure Virtual Networks.",
		vnetCreateCommand(s, g), vnets.Show(s, g), vnets.List(s, g), vnets.Delete(s, g),
		command.Group("subnet", "Manage subnets in an Azure Virtual Network.",
			subnetCreateCommand(s, g), subnets.Show(s, g), subnets.List(s, g),
			subnetUpdateCommand(s, g), subnets.Delete(s, g)))
}

// createFlags are the arguments of `az network vnet create`.
type createFlags struct {
	rg, name, location, subnetName, nsg        string
	prefixes, subnetPrefixes, dnsServers, tags []string
	noWait                                     bool
}

func vnetCreateCommand(s command.Streams, g *command.Globals) *cobra.Command {
	f := &createFlags{prefixes: []string{"10.0.0.0/16"}}
	c := &cobra.Command{Use: "create", Short: "Create a virtual network."}
	return command.Leaf(s, g, c, flags.AAZ, func(a *flags.Set) {
		a.ResourceGroup(&f.rg).Required()
		a.String(&f.name, "The virtual network (VNet) name.", "-n", "--name").Required()
		a.String(&f.location, "Resource location. Default: the resource group's location.", "--location", "-l")
		a.List(&f.prefixes, "Space-separated list of IP address prefixes for the VNet. Default: 10.0.0.0/16.", "--address-prefixes")
		a.List(&f.dnsServers, "Space-separated list of DNS server IP addresses.", "--dns-servers")
		a.List(&f.tags, "Space-separated tags: key[=value] [key[=value] ...].", "--tags")
		a.String(&f.subnetName, "Name of a new subnet to create within the VNet.", "--subnet-name")
		a.List(&f.subnetPrefixes, "Space-separated list of address prefixes in CIDR format for the new subnet. If omitted, automatically reserves a /24 (or as large as available) block within the VNet address space.", "--subnet-prefixes")
		a.String(&f.nsg, "Name or ID of a network security group (NSG) for the new subnet.", "--nsg", "--network-security-group")
		a.NoWait(&f.noWait)
	}, func(e *command.Env) error {
		raw, err := vnets.Put(e, f.rg, f.name, f.location, f.tags, f.props(e.Client), f.noWait)
		if err != nil || raw == nil {
			return err
		}
		v, err := command.Shape(raw)
		if err != nil {
			return err
		}
		return e.PrintValue(map[string]any{"newVNet": v})
	})
}

// props are the properties of the VNet PUT az sends, with the subnet
// --subnet-name asks for; nsgID resolves --nsg to an id.
func (f *createFlags) props(c *client.Client) map[string]any {
	props := map[string]any{
		"addressSpace":         map[string]any{"addressPrefixes": f.prefixes},
		"enableDdosProtection": false,
		"enableVmProtection":   false,
	}
	if len(f.dnsServers) > 0 {
		props["dhcpOptions"] = map[string]any{"dnsServers": f.dnsServers}
	}
	if f.subnetName != "" {
		prefixes := f.subnetPrefixes
		if len(prefixes) == 0 {
			prefixes = []string{client.DefaultSubnetPrefix(f.prefixes[0])}
		}
		sp := c.SubnetProperties(f.rg, client.SubnetSpec{Prefixes: prefixes, NSG: f.nsg})
		props["subnets"] = []any{map[string]any{"name": f.subnetName, "properties": sp}}
	}
	return props
}

// vnetTable is az's transform_vnet_table_output.
func vnetTable(result any) any {
	return output.Rows(result, func(o *output.Object) any {
		r := output.NewObject()
		get := func(k string) any { v, _ := o.Get(k); return v }
		r.Set("Name", get("name"))
		r.Set("ResourceGroup", get("resourceGroup"))
		r.Set("Location", get("location"))
		subnets, _ := get("subnets").([]any)
		r.Set("NumSubnets", len(subnets))
		var prefixes []string
		if sp, ok := get("addressSpace").(*output.Object); ok {
			if l, ok := sp.Get("addressPrefixes"); ok {
				prefixes = resource.Strings(l)
			}
		}
		r.Set("Prefixes", netJoinOrSpace(prefixes, ", "))
		var dns []string
		if d, ok := get("dhcpOptions").(*output.Object); ok {
			if l, ok := d.Get("dnsServers"); ok {
				dns = resource.Strings(l)
			}
		}
		r.Set("DnsServers", netJoinOrSpace(dns, ", "))
		r.Set("DDOSProtection", netBoolOr(get("enableDdosProtection")))
		r.Set("VMProtection", netBoolOr(get("enableVmProtection")))
		return r
	})
}

func netJoinOrSpace(ss []string, sep string) string {
	if j := strings.Join(ss, sep); j != "" {
		return j
	}
	return " "
}

// netBoolOr is v, or false for a flag the server left out.
func netBoolOr(v any) any {
	if v == nil {
		return false
	}
	return v
}

func subnetCreateCommand(s command.Streams, g *command.Globals) *cobra.Command {
	var prefix, nsg, rt string
	var prefixes []string
	return subnets.Create(s, g, "Create a subnet and associate an existing NSG and route table.", func(a *flags.Set) {
		a.String(&prefix, "The address prefix for the subnet.", "--address-prefix")
		a.List(&prefixes, "Space-separated list of address prefixes in CIDR format.", "--address-prefixes")
		a.String(&nsg, "Name or ID of a network security group (NSG).", "--nsg", "--network-security-group")
		a.String(&rt, "Name or ID of a route table to associate with the subnet.", "--route-table")
	}, func(e *command.Env, rg string) (map[string]any, error) {
		all := prefixes
		if prefix != "" {
			all = append([]string{prefix}, prefixes...)
		}
		return e.Client.SubnetProperties(rg, client.SubnetSpec{Prefixes: all, NSG: nsg, RouteTable: rt}), nil
	})
}

// netClears reports whether an AAZ nullable reference argument asks to
// remove the reference ("" or null).
func netClears(v string) bool { return v == "" || strings.EqualFold(v, "null") }

// updateFlags are the arguments of `az network vnet subnet update`.
type updateFlags struct {
	rg, name, vnet, nsg, rt  string
	ids, prefixes            []string
	noWait                   bool
	prefixArg, nsgArg, rtArg *flags.Flag
}

func subnetUpdateCommand(s command.Streams, g *command.Globals) *cobra.Command {
	f := &updateFlags{}
	c := &cobra.Command{Use: "update", Short: "Update a subnet."}
	return command.Leaf(s, g, c, flags.AAZ, func(a *flags.Set) {
		a.ResourceGroup(&f.rg).Required().ID()
		a.String(&f.name, "The subnet name.", "-n", "--name").Required().ID()
		a.String(&f.vnet, "The virtual network (VNet) name.", "--vnet-name").Required().ID()
		a.IDs(&f.ids)
		f.prefixArg = a.List(&f.prefixes, "Space-separated list of address prefixes in CIDR format.", "--address-prefixes")
		f.nsgArg = a.String(&f.nsg, "Name or ID of a network security group (NSG). Use \"\" to detach it.", "--nsg", "--network-security-group")
		f.rtArg = a.String(&f.rt, "Name or ID of a route table to associate with the subnet. Use \"\" to detach it.", "--route-table")
		a.NoWait(&f.noWait)
	}, func(e *command.Env) error {
		targets := flags.Targets(f.ids, func() string { return subnets.Path(e, f.rg, f.vnet, f.name) })
		return e.PrintEach(targets, func(path string) (any, error) { return f.update(e, path) })
	})
}

// update is az's generic update of the subnet at path: GET it, change it,
// PUT it back; it returns the shaped result, nil with --no-wait.
func (f *updateFlags) update(e *command.Env, path string) (any, error) {
	group := f.rg
	if len(f.ids) > 0 {
		group = azshape.ResourceGroupOf(path)
	}
	doc, err := e.Client.Changed(path, client.APINetwork, func(props map[string]any) error {
		f.apply(props, func(v, t string) string { return e.Client.NetRef(v, group, t) })
		return nil
	})
	if err != nil {
		return nil, err
	}
	res, err := e.PutResource(path, client.APINetwork, doc, f.noWait)
	if err != nil || res == nil {
		return nil, err
	}
	return command.Shape(res)
}

// apply sets or clears, in the subnet's properties, what the command line
// gave; ref resolves a name of collection t to an id.
func (f *updateFlags) apply(props map[string]any, ref func(v, t string) string) {
	if f.rtArg.Changed() {
		if netClears(f.rt) {
			delete(props, "routeTable")
		} else {
			props["routeTable"] = map[string]any{"id": ref(f.rt, "routeTables")}
		}
	}
	if f.nsgArg.Changed() {
		if netClears(f.nsg) {
			delete(props, "networkSecurityGroup")
		} else {
			props["networkSecurityGroup"] = map[string]any{"id": ref(f.nsg, "networkSecurityGroups")}
		}
	}
	if f.prefixArg.Changed() {
		delete(props, "addressPrefix")
		delete(props, "addressPrefixes")
		if len(f.prefixes) == 1 {
			props["addressPrefix"] = f.prefixes[0]
		} else {
			props["addressPrefixes"] = f.prefixes
		}
	}
}

// vnets is az network vnet's show, list and delete.
var vnets = resource.TopLevel{Type: "virtualNetworks", NameHelp: "The virtual network (VNet) name.",
	ShowShort: "Get the details of a virtual network.", ListShort: "List virtual networks.", DelShort: "Delete a virtual network.",
	ListTable: vnetTable}

// subnets is az network vnet subnet's show, list and delete.
var subnets = resource.Child{ParentType: "virtualNetworks", ParentOpt: "--vnet-name", ParentHelp: "The virtual network (VNet) name.",
	Type: "subnets", NameHelp: "The subnet name.",
	ShowShort: "Show details of a subnet.", ListShort: "List the subnets in a virtual network.", DelShort: "Delete a subnet."}
