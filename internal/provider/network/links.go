package network

import (
	"encoding/json"
	"fmt"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/aksnet/aksnet/internal/arm"
)

// Actions ARM requires of the caller on a network resource that a request
// links to (see arm.Link). They are granted by Network Contributor
// (Microsoft.Network/*), Contributor and Owner, not by Reader.
const (
	// ActionJoinSubnet places a NIC or an AKS agent pool on a subnet.
	ActionJoinSubnet = "Microsoft.Network/virtualNetworks/subnets/join/action"
	// ActionJoinRouteTable associates a route table with a subnet.
	ActionJoinRouteTable = "Microsoft.Network/routeTables/join/action"
	// ActionJoinNSG associates a network security group with a subnet or NIC.
	ActionJoinNSG = "Microsoft.Network/networkSecurityGroups/join/action"
)

// subnetLinks are the links of subnet properties props, to be stored at id;
// target is the subnet's JSON path in the request ("" for a subnet body).
func subnetLinks(c *arm.Call, id string, props *armnetwork.SubnetPropertiesFormat, target string) ([]arm.Link, error) {
	if props == nil || props.RouteTable == nil && props.NetworkSecurityGroup == nil {
		return nil, nil // no link: spare the read of the stored subnet
	}
	var old armnetwork.Subnet
	if raw := c.StoredDoc(id); raw != nil {
		if err := json.Unmarshal(raw, &old); err != nil {
			return nil, fmt.Errorf("decode stored subnet %s: %w", id, err)
		}
	}
	var oldRT, oldNSG string
	if old.Properties != nil {
		if old.Properties.RouteTable != nil {
			oldRT = deref(old.Properties.RouteTable.ID)
		}
		if old.Properties.NetworkSecurityGroup != nil {
			oldNSG = deref(old.Properties.NetworkSecurityGroup.ID)
		}
	}
	var links []arm.Link
	if props.RouteTable != nil {
		links = append(links, arm.Link{Action: ActionJoinRouteTable, ID: deref(props.RouteTable.ID), Was: oldRT,
			Target: joinTarget(target, "properties.routeTable.id")})
	}
	if props.NetworkSecurityGroup != nil {
		links = append(links, arm.Link{Action: ActionJoinNSG, ID: deref(props.NetworkSecurityGroup.ID), Was: oldNSG,
			Target: joinTarget(target, "properties.networkSecurityGroup.id")})
	}
	return links, nil
}

// nicLinks are the links of network interface n, stored at c.ID: the subnet
// of each IP configuration and the NSG.
func nicLinks(c *arm.Call, n *armnetwork.Interface) []arm.Link {
	if n.Properties == nil {
		return nil
	}
	oldSubnet, _ := primaryIP(c.Existing)
	oldNSG := nsgOf(c.Existing)
	var links []arm.Link
	for i, ipc := range n.Properties.IPConfigurations {
		if ipc == nil || ipc.Properties == nil || ipc.Properties.Subnet == nil {
			continue
		}
		links = append(links, arm.Link{Action: ActionJoinSubnet, ID: deref(ipc.Properties.Subnet.ID), Was: oldSubnet,
			Target: "properties.ipConfigurations[" + itoa(i) + "].properties.subnet.id"})
	}
	if n.Properties.NetworkSecurityGroup != nil {
		links = append(links, arm.Link{Action: ActionJoinNSG, ID: deref(n.Properties.NetworkSecurityGroup.ID), Was: oldNSG,
			Target: "properties.networkSecurityGroup.id"})
	}
	return links
}
