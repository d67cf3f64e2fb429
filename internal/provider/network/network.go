package network

import (
	"encoding/json"
	"regexp"

	"github.com/aksnet/aksnet/internal/arm"
)

// Resource types of this provider.
const (
	TypeVirtualNetwork   = "Microsoft.Network/virtualNetworks"
	TypeSubnet           = "Microsoft.Network/virtualNetworks/subnets"
	TypeRouteTable       = "Microsoft.Network/routeTables"
	TypeRoute            = "Microsoft.Network/routeTables/routes"
	TypeNSG              = "Microsoft.Network/networkSecurityGroups"
	TypeSecurityRule     = "Microsoft.Network/networkSecurityGroups/securityRules"
	TypeNetworkInterface = "Microsoft.Network/networkInterfaces"
	TypeLoadBalancer     = "Microsoft.Network/loadBalancers"
	TypePublicIP         = "Microsoft.Network/publicIPAddresses"
	typeManagedCluster   = "Microsoft.ContainerService/managedClusters"
)

// Options tunes the provider.
type Options struct {
	// MaxRoutesPerTable is Azure's route limit per route table (400).
	MaxRoutesPerTable int
}

// Provider holds the provider's options.
type Provider struct {
	opts Options
}

// Register adds the Microsoft.Network kinds to reg and returns the provider.
func Register(reg *arm.Registry, opts Options) *Provider {
	if opts.MaxRoutesPerTable <= 0 {
		opts.MaxRoutesPerTable = 400
	}
	p := &Provider{opts: opts}
	// The network RP's PUTs are long-running operations (swagger:
	// x-ms-long-running-operation, final-state-via azure-async-operation, on
	// VirtualNetworks_, Subnets_, RouteTables_, Routes_,
	// NetworkSecurityGroups_, SecurityRules_, NetworkInterfaces_,
	// LoadBalancers_ and PublicIPAddresses_CreateOrUpdate); a network
	// watcher's PUT answers at once (NetworkWatchers_CreateOrUpdate is not
	// long-running) and default rules are read-only.
	for _, k := range []*arm.Kind{p.virtualNetworkKind(), p.subnetKind(), p.routeTableKind(), p.routeKind(), p.nsgKind(),
		p.securityRuleKind(), p.networkInterfaceKind(), asGivenKind(TypeLoadBalancer, lbNameRule), asGivenKind(TypePublicIP, pipNameRule)} {
		k.PutOperation = true
		reg.Register(k)
	}
	reg.Register(p.defaultSecurityRuleKind())
	reg.Register(p.vmssNetworkInterfaceKind())
	reg.Register(p.vmssNetworkInterfacesKind())
	reg.Register(p.networkWatcherKind())
	return p
}

// Azure's naming rules for network resources.
var (
	// networkNameRE is the network RP's rule for every name it owns.
	networkNameRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$`)
	vnetNameRule  = arm.NameRule{Type: "virtual network", Min: 2, Max: 64,
		Pattern: networkNameRE,
		Explain: "alphanumerics, underscores, periods and hyphens; start with an alphanumeric and end with an alphanumeric or underscore"}
	childNameRule = func(t string) arm.NameRule {
		return arm.NameRule{Type: t, Min: 1, Max: 80,
			Pattern: networkNameRE,
			Explain: "alphanumerics, underscores, periods and hyphens; start with an alphanumeric and end with an alphanumeric or underscore"}
	}
	subnetNameRule = childNameRule("subnet")
	rtNameRule     = childNameRule("route table")
	routeNameRule  = childNameRule("route")
	nsgNameRule    = childNameRule("network security group")
	ruleNameRule   = childNameRule("security rule")
	nicNameRule    = childNameRule("network interface")
	lbNameRule     = childNameRule("load balancer")
	pipNameRule    = childNameRule("public IP address")
)

// trackedKind is the kind of a tracked network resource (one with a
// location, listed by resource group and by subscription) whose PUT is put.
// Callers set the rest of the kind's hooks on the result.
func trackedKind(t string, rule arm.NameRule, put func(*arm.Call) ([]byte, error)) *arm.Kind {
	return &arm.Kind{
		Type:               t,
		Tracked:            true,
		ListBySubscription: true,
		ValidName:          rule.Check,
		Put:                put,
	}
}

// asGivenKind is a resource AKS provisions (load balancer, public IP) that
// aksnet stores as given, with ARM's envelope fields set.
func asGivenKind(t string, rule arm.NameRule) *arm.Kind {
	return trackedKind(t, rule, func(c *arm.Call) ([]byte, error) {
		var doc map[string]any
		if err := c.Decode(&doc); err != nil {
			return nil, err
		}
		loc, _ := doc["location"].(string)
		l, err := trackedEnvelope(c, &loc)
		if err != nil {
			return nil, err
		}
		props, _ := doc["properties"].(map[string]any)
		if props == nil {
			props = map[string]any{}
		}
		props["provisioningState"] = "Succeeded"
		doc["properties"] = props
		doc["id"], doc["name"], doc["type"], doc["etag"], doc["location"] = c.ID, arm.LastName(c.ID), t, arm.NewETag(), l
		return json.Marshal(doc)
	})
}
