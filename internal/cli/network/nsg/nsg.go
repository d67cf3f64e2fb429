// Package nsg is `aksnet network nsg`, az network nsg: network security groups and their rules.
package nsg

import (
	"strings"

	"github.com/aksnet/aksnet/internal/cli/client"
	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/flags"
	"github.com/aksnet/aksnet/internal/cli/network/resource"
	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/spf13/cobra"
)

// NewCommand mirrors `az network nsg`.
func NewCommand(s command.Streams, g *command.Globals) *cobra.Command {
	return command.Group("nsg", "Manage Azure Network Security Groups (NSGs).",
		nsgCreateCommand(s, g), nsgs.Show(s, g), nsgs.List(s, g), nsgs.Delete(s, g),
		command.Group("rule", "Manage network security group rules.",
			nsgRuleCreateCommand(s, g), nsgRuleListCommand(s, g), rules.Delete(s, g)))
}

func nsgCreateCommand(s command.Streams, g *command.Globals) *cobra.Command {
	var rg, name, location string
	var tags []string
	var noWait bool
	c := &cobra.Command{Use: "create", Short: "Create a network security group."}
	return command.Leaf(s, g, c, flags.AAZ, func(a *flags.Set) {
		a.ResourceGroup(&rg).Required()
		a.String(&name, "Name of the network security group.", "-n", "--name").Required()
		a.String(&location, "Location. Default: the resource group's location.", "--location", "-l")
		a.List(&tags, "Space-separated tags: key[=value] [key[=value] ...].", "--tags")
		a.NoWait(&noWait)
	}, func(e *command.Env) error {
		raw, err := nsgs.Put(e, rg, name, location, tags, nil, noWait)
		if err != nil || raw == nil {
			return err
		}
		v, err := command.Shape(raw)
		if err != nil {
			return err
		}
		// az's NSGCreate wraps the result.
		return e.PrintValue(map[string]any{"NewNSG": v})
	})
}

func nsgRuleCreateCommand(s command.Streams, g *command.Globals) *cobra.Command {
	var priority int
	var description string
	access, direction, protocol := "Allow", "Inbound", "*"
	srcAddr, srcPorts := []string{"*"}, []string{"*"}
	dstAddr, dstPorts := []string{"*"}, []string{"80"}
	return rules.Create(s, g, "Create a network security group rule.", func(a *flags.Set) {
		a.List(&dstAddr, "Space-separated list of CIDR prefixes or IP ranges. Alternatively, specify ONE of 'VirtualNetwork', 'AzureLoadBalancer', 'Internet' or '*' to match all IPs. Default: *.", "--destination-address-prefixes")
		a.List(&dstPorts, "Space-separated list of ports or port ranges between 0-65535. Use '*' to match all ports.  Default: 80.", "--destination-port-ranges")
		a.Choice(&access, []string{"Allow", "Deny"}, "Default: Allow.", "--access")
		a.String(&description, "Rule description.", "--description")
		a.Choice(&direction, []string{"Inbound", "Outbound"}, "Default: Inbound.", "--direction")
		a.Int(&priority, "Rule priority, between 100 (highest priority) and 4096 (lowest priority). Must be unique for each rule in the collection.", "--priority").Required()
		a.Choice(&protocol, []string{"*", "Ah", "Esp", "Icmp", "Tcp", "Udp"}, "Network protocol this rule applies to. Default: *.", "--protocol")
		a.List(&srcAddr, "Space-separated list of CIDR prefixes or IP ranges. Alternatively, specify ONE of 'VirtualNetwork', 'AzureLoadBalancer', 'Internet' or '*' to match all IPs. Default: *.", "--source-address-prefixes")
		a.List(&srcPorts, "Space-separated list of ports or port ranges between 0-65535. Use '*' to match all ports.  Default: *.", "--source-port-ranges")
	}, func(*command.Env, string) (map[string]any, error) {
		props := map[string]any{
			"access":    access,
			"direction": direction,
			"priority":  priority,
			"protocol":  protocol,
		}
		client.SetGiven(props, "description", description)
		client.SetOneOrMany(props, "sourceAddressPrefix", "sourceAddressPrefixes", srcAddr)
		client.SetOneOrMany(props, "sourcePortRange", "sourcePortRanges", srcPorts)
		client.SetOneOrMany(props, "destinationAddressPrefix", "destinationAddressPrefixes", dstAddr)
		client.SetOneOrMany(props, "destinationPortRange", "destinationPortRanges", dstPorts)
		return props, nil
	})
}

func nsgRuleListCommand(s command.Streams, g *command.Globals) *cobra.Command {
	var rg, nsg string
	var ids []string
	var includeDefault bool
	c := &cobra.Command{Use: "list", Short: "List all rules in a network security group."}
	return command.Leaf(s, g, c, flags.AAZ, func(a *flags.Set) {
		a.ResourceGroup(&rg).Required().ID()
		a.String(&nsg, "Name of the network security group.", "--nsg-name").Required().ID()
		a.IDs(&ids)
		a.Bool(&includeDefault, "Include default security rules in the output.", "--include-default")
	}, func(e *command.Env) error {
		e.Table = nsgRuleTable
		// az's list_nsg_rules reads the rules from the NSG.
		nsgs := flags.Targets(ids, func() string { return e.Client.NetPath(rg, "networkSecurityGroups", nsg) })
		rules, err := e.Client.SecurityRules(nsgs, includeDefault)
		if err != nil {
			return err
		}
		return e.Print(rules)
	})
}

// nsgRuleTable is az's table for `nsg rule list`, transform_nsg_rule_table_output
// applied to each rule.
func nsgRuleTable(result any) any {
	return output.Rows(result, func(o *output.Object) any {
		get := func(k string) any { v, _ := o.Get(k); return v }
		r := output.NewObject()
		r.Set("Name", get("name"))
		r.Set("ResourceGroup", get("resourceGroup"))
		r.Set("Priority", get("priority"))
		side(r, o, "Source", "source")
		r.Set("Access", get("access"))
		r.Set("Protocol", get("protocol"))
		r.Set("Direction", get("direction"))
		side(r, o, "Destination", "destination")
		return r
	})
}

// side sets the columns of one side of a rule in az's table: column's
// port ranges, address prefixes and application security groups, from the
// rule's properties named after key (the singular one when set, else the
// plural joined) or "None".
func side(r, rule *output.Object, column, key string) {
	oneOrJoined := func(one, many string) any {
		if v, ok := rule.Get(one); ok && v != nil {
			return v
		}
		v, _ := rule.Get(many)
		return strings.Join(resource.Strings(v), " ")
	}
	r.Set(column+"PortRanges", oneOrJoined(key+"PortRange", key+"PortRanges"))
	r.Set(column+"AddressPrefixes", oneOrJoined(key+"AddressPrefix", key+"AddressPrefixes"))
	asg := any("None")
	if v, ok := rule.Get(key + "ApplicationSecurityGroups"); ok && v != nil {
		asg = v
	}
	r.Set(column+"ASG", asg)
}

// nsgs is az network nsg's show, list and delete.
var nsgs = resource.TopLevel{Type: "networkSecurityGroups", NameHelp: "Name of the network security group.",
	ShowShort: "Get information about a network security group.", ListShort: "List network security groups.", DelShort: "Delete a network security group."}

// rules is az network nsg rule's create and delete (az declares --nsg-name
// first).
var rules = resource.Child{ParentType: "networkSecurityGroups", ParentOpt: "--nsg-name", ParentHelp: "Name of the network security group.",
	Type: "securityRules", NameHelp: "Name of the network security group rule.", ParentFirst: true,
	DelShort: "Delete a network security group rule."}
