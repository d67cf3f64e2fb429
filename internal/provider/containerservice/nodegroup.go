package containerservice

import (
	"strings"
	"unicode/utf8"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/aksnet/aksnet/internal/kubenet"
	"github.com/aksnet/aksnet/internal/provider/resources"
)

// MaxNodeResourceGroupName is AKS's limit on a node resource group's name,
// which is shorter than ARM's 90 for resource groups: "The length of the node
// resource group name is too long. The maximum length is 80 …" (seen in
// rancher/rancher#21264 and Azure-Terraform/terraform-azurerm-kubernetes#33,
// for both given and default names).
const MaxNodeResourceGroupName = 80

const nodeRGTarget = "properties.nodeResourceGroup"

// nodeResourceGroupID returns the id of the resource group a new cluster's
// nodes go to: properties.nodeResourceGroup, or AKS's default
// MC_{group}_{cluster}_{location}. A given name must be a valid resource
// group name of at most 80 characters, so it can never carry a path ('/',
// '..', '%2F') or name another subscription: the group is always in the
// cluster's subscription. The default is held to the same characters.
//
// AKS creates the group itself, so it must not exist yet
// (NodeResourceGroupAlreadyExists, as AKS answers; see
// hashicorp/terraform-provider-azurerm#7562) and must not be the cluster's
// own group (NodeResourceGroupSameAsResourceGroup, Azure/azure-cli#27215):
// otherwise a caller could make AKS adopt, and on cluster delete remove, a
// group it does not own.
func nodeResourceGroupID(c *arm.Call, props *armcontainerservice.ManagedClusterProperties, loc string) (string, error) {
	// The cluster's group as stored (the request may spell it otherwise).
	sub, rg := c.Parsed.Subscription, arm.LastName(arm.ParentOf(c.ID))
	name := str(props.NodeResourceGroup)
	given := name != ""
	if !given {
		// AKS refuses a default name over 80 characters too; aksnet keeps
		// accepting it (its own tests use long group names). Its characters
		// are checked below all the same: the location in it comes from
		// the body.
		name = kubenet.NodeResourceGroup(rg, arm.LastName(c.ID), loc)
	}
	if n := utf8.RuneCountInString(name); given && n > MaxNodeResourceGroupName {
		return "", azerr.BadRequest("InvalidParameter", nodeRGTarget,
			"The length of the node resource group name is too long. The maximum length is %d and the length of the value provided is %d. Please see https://aka.ms/aks-naming-rules for more details.",
			MaxNodeResourceGroupName, n)
	}
	if !resources.ResourceGroupNameChars(name) {
		return "", azerr.BadRequest("InvalidParameter", nodeRGTarget,
			"The node resource group name '%s' is invalid. It must be 1 to %d characters and can only be a letter, digit, '-', '.', '(', ')' or '_', and can't end in '.'.",
			name, MaxNodeResourceGroupName)
	}
	if strings.EqualFold(name, rg) {
		return "", azerr.BadRequest("NodeResourceGroupSameAsResourceGroup", nodeRGTarget,
			"Node resource group '%s' is the same as ResourceGroup '%s', which is not allowed, please provide a different node resource group.", name, rg)
	}
	id := arm.ResourceGroupID(sub, name)
	if c.Exists(id) {
		return "", nodeResourceGroupExists(name, sub)
	}
	return id, nil
}

// nodeResourceGroupExists is AKS's answer when the node resource group
// already exists.
func nodeResourceGroupExists(name, sub string) error {
	return azerr.BadRequest("NodeResourceGroupAlreadyExists", nodeRGTarget,
		"Node resource group '%s' under subscription '%s' already exists, please provide a new one.", name, sub)
}
