package network

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/aksnet/aksnet/internal/provider/resources"
)

func succeeded() *armnetwork.ProvisioningState {
	return to.Ptr(armnetwork.ProvisioningStateSucceeded)
}

// trackedEnvelope checks and normalises a tracked resource's location.
func trackedEnvelope(c *arm.Call, loc *string) (string, error) {
	if err := resources.RequireLocation(loc); err != nil {
		return "", err
	}
	l := resources.NormalizeLocation(*loc)
	if c.Existing != nil {
		var old struct {
			Location string `json:"location"`
		}
		if err := c.DecodeExisting(&old); err != nil {
			return "", err
		}
		if old.Location != "" && old.Location != l {
			return "", azerr.BadRequest("InvalidResourceLocation", "location",
				"The resource '%s' already exists in location '%s'. A resource with the same name cannot be created in location '%s'.", c.Name, old.Location, l)
		}
	}
	return l, nil
}

// parseRefID checks that a linked id at target is a well-formed id of type
// wantType, and that it exists.
func parseRefID(c *arm.Call, id, target, wantType, owner string) (string, error) {
	p, err := arm.ParseID(id)
	if err != nil || p.Subscription == "" || !strings.HasPrefix(id, "/") || p.IsCollection() || !strings.EqualFold(p.FullType(), wantType) {
		return "", azerr.BadRequest("LinkedInvalidPropertyId", target,
			"Property id '%s' at path '%s' is invalid. Expect fully qualified resource Id that start with '/subscriptions/{subscriptionId}' or '/providers/{resourceProviderNamespace}/'.", id, target)
	}
	raw := c.StoredDoc(id)
	if raw == nil {
		return "", azerr.BadRequest("InvalidResourceReference", target,
			"Resource %s referenced by resource %s was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.", id, owner)
	}
	var doc struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return "", fmt.Errorf("decode stored %s: %w", id, err)
	}
	return doc.ID, nil
}

// idRefs renders ids as a list of {"id": …} sub-resources, sorted.
func sortedIDs(ids []string) []string {
	out := append([]string(nil), ids...)
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i]) < strings.ToLower(out[j]) })
	return out
}

// refsOfType returns the ids referring to target whose type is t.
func refsOfType(c *arm.Call, target, t string) []string {
	var out []string
	for _, id := range c.RefsTo(target) {
		if strings.EqualFold(arm.TypeOfID(id), t) {
			out = append(out, id)
		}
	}
	return sortedIDs(out)
}

// subnetRefs lists the subnets that refer to target (those associated with
// a route table or NSG) as {"id": …} sub-resources, sorted; the list is
// never nil, as ARM prints an empty array.
func subnetRefs(c *arm.Call, target string) []*armnetwork.Subnet {
	out := []*armnetwork.Subnet{}
	for _, id := range refsOfType(c, target, TypeSubnet) {
		out = append(out, &armnetwork.Subnet{ID: to.Ptr(id)})
	}
	return out
}
