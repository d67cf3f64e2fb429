package resources

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/azerr"
)

// rgNameRE is ARM's rule: letters (any script), digits, '_', '-', '.', '(' and
// ')', not ending in '.'.
var rgNameRE = regexp.MustCompile(`^[\p{L}\p{N}_\-.()]*[\p{L}\p{N}_\-()]$`)

// ResourceGroupNameChars reports whether name is made only of the
// characters ARM allows in a resource group name and does not end in '.',
// whatever its length. Such a name can't carry a path.
func ResourceGroupNameChars(name string) bool { return rgNameRE.MatchString(name) }

// validResourceGroupName answers InvalidResourceGroup, as ARM does.
func validResourceGroupName(name string) error {
	if len(name) == 0 || len([]rune(name)) > 90 || !rgNameRE.MatchString(name) {
		return azerr.BadRequest("InvalidResourceGroup", "resourceGroupName",
			"The provided resource group name '%s' is invalid. The name must be 1 to 90 characters and can only be a letter, digit, '-', '.', '(', ')' or '_', and can't end in '.'.", name)
	}
	return nil
}

// RequireLocation answers LocationRequired when a tracked resource has none.
func RequireLocation(loc *string) error {
	if loc == nil || strings.TrimSpace(*loc) == "" {
		return azerr.BadRequest("LocationRequired", "location", "The location property is required for this definition.")
	}
	return nil
}

// NormalizeLocation lowercases and strips spaces, as ARM stores locations
// ("East US" → "eastus").
func NormalizeLocation(loc string) string { return arm.NormalizeLocation(loc) }

func resourceGroupKind() *arm.Kind {
	return &arm.Kind{
		Type:      "Microsoft.Resources/subscriptions/resourceGroups",
		ValidName: validResourceGroupName,
		Tracked:   true,
		Put:       putResourceGroup,
		Delete:    deleteResourceGroup,
		// azure-rest-api-specs, resources ResourceGroups_Delete: 202 with
		// a Location header to poll.
		DeleteLocationOnly: true,
		Top:                true,
		List:               listResourceGroups,
	}
}

// listResourceGroups answers GET /subscriptions/{s}/resourcegroups, with
// $filter by tag (ParseGroupFilter) and $top.
func listResourceGroups(c *arm.Call) ([][]byte, error) {
	f, err := ParseGroupFilter(c.Query.Get("$filter"))
	if err != nil {
		return nil, err
	}
	var out [][]byte
	c.ScanChildren(arm.SubscriptionID(c.Parsed.Subscription), "resourceGroups", func(raw []byte) bool {
		if f.IsTag() {
			var g struct {
				Tags map[string]string `json:"tags"`
			}
			if err = json.Unmarshal(raw, &g); err != nil {
				return false
			}
			if !f.Matches(Item{Tags: g.Tags}) {
				return true
			}
		}
		out = append(out, append([]byte(nil), raw...))
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("decode a stored resource group: %w", err)
	}
	return out, nil
}

func putResourceGroup(c *arm.Call) ([]byte, error) {
	var rg armresources.ResourceGroup
	if err := c.Decode(&rg); err != nil {
		return nil, err
	}
	if err := RequireLocation(rg.Location); err != nil {
		return nil, err
	}
	loc := NormalizeLocation(*rg.Location)
	if c.Existing != nil {
		var old armresources.ResourceGroup
		if err := json.Unmarshal(c.Existing, &old); err == nil && old.Location != nil && *old.Location != loc {
			return nil, azerr.Conflict("InvalidResourceGroupLocation", "location",
				"Invalid resource group location '%s'. The Resource group already exists in location '%s'.", loc, *old.Location)
		}
		if rg.ManagedBy == nil {
			rg.ManagedBy = old.ManagedBy
		}
	}
	out := armresources.ResourceGroup{
		ID:         to.Ptr(c.ID),
		Name:       to.Ptr(arm.LastName(c.ID)),
		Type:       to.Ptr("Microsoft.Resources/resourceGroups"),
		Location:   to.Ptr(loc),
		Tags:       rg.Tags,
		ManagedBy:  rg.ManagedBy,
		Properties: &armresources.ResourceGroupProperties{ProvisioningState: to.Ptr("Succeeded")},
	}
	return json.Marshal(out)
}

// deleteResourceGroup deletes every resource in the group through its own
// kind, so each provider's cascade (a cluster's node resource group, managed
// routes in a bring-your-own table) runs, then the group itself. ARM deletes
// in dependency order, consumers before what they use: clusters (whose
// nodes' NICs, in their node resource group, hold the subnets) first, then
// the other consumers of subnets (NICs, load balancers), then VNets, then
// what subnets use (route tables, NSGs), then the rest. So `az group
// delete` of the article's group finds nothing in use. The whole delete is
// one transaction: a failure leaves the group as it was, and the same
// delete can be sent again.
func deleteResourceGroup(c *arm.Call) error {
	var tops []string
	c.ScanTopLevel(c.ID, func(id string, _ []byte) bool {
		tops = append(tops, id)
		return true
	})
	slices.SortStableFunc(tops, func(a, b string) int { return deleteRank(a) - deleteRank(b) })
	for _, id := range tops {
		if !c.Exists(id) {
			continue // removed by an earlier resource's cascade
		}
		if err := c.Delete(id, c.ID); err != nil {
			return err
		}
	}
	return nil
}

// deleteOrder ranks resource types for a group's delete: lower goes first;
// types not listed go last.
var deleteOrder = []string{
	"microsoft.containerservice/managedclusters",
	"microsoft.network/networkinterfaces",
	"microsoft.compute/virtualmachinescalesets",
	"microsoft.network/loadbalancers",
	"microsoft.network/publicipaddresses",
	"microsoft.network/virtualnetworks",
	"microsoft.network/routetables",
	"microsoft.network/networksecuritygroups",
}

func deleteRank(id string) int {
	if i := slices.Index(deleteOrder, strings.ToLower(arm.TypeOfID(id))); i >= 0 {
		return i
	}
	return len(deleteOrder)
}

// Register adds the Microsoft.Resources kinds to reg.
func Register(reg *arm.Registry) {
	reg.Register(subscriptionKind())
	reg.Register(resourceGroupKind())
	reg.Register(genericResourcesKind())
}
