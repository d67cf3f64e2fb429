package resources

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/azerr"
)

// genericResourcesKind is ARM's generic resource list: GET
// /subscriptions/{s}/resources (az resource list) and
// /subscriptions/{s}/resourceGroups/{rg}/resources (az resource list -g).
// It lists the top-level resources (not children, not extension resources
// such as role assignments) in ARM's GenericResourceExpanded shape, which
// carries no properties. It honours $filter (ParseFilter), $expand
// (createdTime, changedTime, provisioningState) and $top, each page with a
// nextLink, as the Resources_List swagger describes them
// (armresources.ClientListOptions).
func genericResourcesKind() *arm.Kind {
	return &arm.Kind{
		Type: "Microsoft.Resources/resources",
		Top:  true,
		List: listResources,
	}
}

func listResources(c *arm.Call) ([][]byte, error) {
	f, err := ParseFilter(c.Query.Get("$filter"))
	if err != nil {
		return nil, err
	}
	ex := parseExpand(c.Query.Get("$expand"))
	var groups []string
	if c.Parsed.ResourceGroup != "" {
		if !c.Exists(c.Parent) {
			return nil, azerr.NotFound("ResourceGroupNotFound", "resourceGroupName", "Resource group '%s' could not be found.", c.Parsed.ResourceGroup)
		}
		groups = []string{c.Parent}
	} else {
		var err error
		c.ScanChildren(arm.SubscriptionID(c.Parsed.Subscription), "resourceGroups", func(raw []byte) bool {
			var g struct {
				ID string `json:"id"`
			}
			if err = json.Unmarshal(raw, &g); err != nil {
				return false
			}
			groups = append(groups, g.ID)
			return true
		})
		if err != nil {
			return nil, fmt.Errorf("decode a stored resource group: %w", err)
		}
	}
	var out [][]byte
	for _, g := range groups {
		var err error
		c.ScanTopLevel(g, func(id string, raw []byte) bool {
			if k, ok := c.Server.Registry().Lookup(arm.TypeOfID(id)); ok && k.Placement == arm.Extension {
				return true
			}
			var item []byte
			item, err = genericItem(c, id, raw, f, ex)
			if err != nil {
				return false
			}
			if item != nil {
				out = append(out, item)
			}
			return true
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// expand is a parsed $expand of a resource list.
type expand struct{ created, changed, provisioning bool }

// parseExpand reads $expand's comma-separated names, ignoring case and
// spaces; names it does not know are ignored, as ARM ignores them.
func parseExpand(s string) expand {
	var ex expand
	for _, f := range strings.Split(s, ",") {
		switch strings.ToLower(strings.TrimSpace(f)) {
		case "createdtime":
			ex.created = true
		case "changedtime":
			ex.changed = true
		case "provisioningstate":
			ex.provisioning = true
		}
	}
	return ex
}

// storedResource is what the list reads of a stored document.
type storedResource struct {
	ID               string            `json:"id"`
	Name             string            `json:"name"`
	Type             string            `json:"type"`
	Location         string            `json:"location"`
	Tags             map[string]string `json:"tags"`
	Kind             json.RawMessage   `json:"kind"`
	ManagedBy        json.RawMessage   `json:"managedBy"`
	SKU              json.RawMessage   `json:"sku"`
	Identity         json.RawMessage   `json:"identity"`
	Plan             json.RawMessage   `json:"plan"`
	ExtendedLocation json.RawMessage   `json:"extendedLocation"`
	Properties       struct {
		ProvisioningState string `json:"provisioningState"`
	} `json:"properties"`
}

// genericResource is one item of the list: ARM's GenericResourceExpanded.
type genericResource struct {
	ID                string            `json:"id"`
	Name              string            `json:"name"`
	Type              string            `json:"type"`
	Location          string            `json:"location,omitempty"`
	Tags              map[string]string `json:"tags,omitempty"`
	Kind              json.RawMessage   `json:"kind,omitempty"`
	ManagedBy         json.RawMessage   `json:"managedBy,omitempty"`
	SKU               json.RawMessage   `json:"sku,omitempty"`
	Identity          json.RawMessage   `json:"identity,omitempty"`
	Plan              json.RawMessage   `json:"plan,omitempty"`
	ExtendedLocation  json.RawMessage   `json:"extendedLocation,omitempty"`
	CreatedTime       string            `json:"createdTime,omitempty"`
	ChangedTime       string            `json:"changedTime,omitempty"`
	ProvisioningState string            `json:"provisioningState,omitempty"`
}

// genericItem renders the stored resource raw as a list item, or nil when
// f leaves it out. Filtered by tag, items carry no tags, as the
// Resources_List swagger says ARM answers.
func genericItem(c *arm.Call, id string, raw []byte, f Filter, ex expand) ([]byte, error) {
	var d storedResource
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("decode stored %s: %w", id, err)
	}
	it := Item{ID: d.ID, Name: d.Name, Type: d.Type, Location: d.Location, ResourceGroup: groupOf(d.ID), Tags: d.Tags}
	if !f.Matches(it) {
		return nil, nil
	}
	g := genericResource{ID: d.ID, Name: d.Name, Type: d.Type, Location: d.Location, Tags: d.Tags, Kind: d.Kind,
		ManagedBy: d.ManagedBy, SKU: d.SKU, Identity: d.Identity, Plan: d.Plan, ExtendedLocation: d.ExtendedLocation}
	if f.IsTag() {
		g.Tags = nil
	}
	if ex.created || ex.changed {
		created, changed := c.Times(id)
		if ex.created {
			g.CreatedTime = created
		}
		if ex.changed {
			g.ChangedTime = changed
		}
	}
	if ex.provisioning {
		g.ProvisioningState = d.Properties.ProvisioningState
	}
	out, err := json.Marshal(g)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", id, err)
	}
	return out, nil
}

// groupOf returns the resource group named in id, "" outside one.
func groupOf(id string) string {
	p, err := arm.ParseID(id)
	if err != nil {
		return ""
	}
	return p.ResourceGroup
}
