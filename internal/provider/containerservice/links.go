package containerservice

import (
	"fmt"
	"sort"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/provider/managedidentity"
	"github.com/aksnet/aksnet/internal/provider/network"
)

// clusterLinks are the resources a new cluster's request links to: the
// subnet of each agent pool, its user-assigned identities and a kubelet
// identity it brings. (A cluster's subnets and identity can't change after
// creation, so an update links to nothing new.)
func clusterLinks(mc *armcontainerservice.ManagedCluster) []arm.Link {
	var links []arm.Link
	if props := mc.Properties; props != nil {
		for i, ap := range props.AgentPoolProfiles {
			if ap != nil {
				links = append(links, arm.Link{Action: network.ActionJoinSubnet, ID: str(ap.VnetSubnetID),
					Target: fmt.Sprintf("properties.agentPoolProfiles[%d].vnetSubnetID", i)})
			}
		}
		if k := props.IdentityProfile["kubeletidentity"]; k != nil {
			links = append(links, arm.Link{Action: managedidentity.ActionAssign, ID: str(k.ResourceID),
				Target: "properties.identityProfile.kubeletidentity.resourceId"})
		}
	}
	if mc.Identity != nil {
		ids := make([]string, 0, len(mc.Identity.UserAssignedIdentities))
		for id := range mc.Identity.UserAssignedIdentities {
			ids = append(ids, id)
		}
		sort.Strings(ids) // a stable message
		for _, id := range ids {
			links = append(links, arm.Link{Action: managedidentity.ActionAssign, ID: id, Target: "identity.userAssignedIdentities"})
		}
	}
	return links
}

// poolLinks are the resources an agent pool request links to: its subnet,
// unless the stored pool is already on it.
func poolLinks(props *armcontainerservice.ManagedClusterAgentPoolProfileProperties, pool *poolState) []arm.Link {
	if props == nil {
		return nil
	}
	l := arm.Link{Action: network.ActionJoinSubnet, ID: str(props.VnetSubnetID), Target: "properties.vnetSubnetID"}
	if pool != nil {
		l.Was = pool.SubnetID
	}
	return []arm.Link{l}
}
