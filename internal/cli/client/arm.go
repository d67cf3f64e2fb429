package client

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// RGPath returns the id of resource group rg: /subscriptions/{sub}/resourceGroups/{rg}.
func (c *Client) RGPath(rg string) string {
	return c.SubscriptionPath() + "/resourceGroups/" + rg
}

// SubscriptionPath returns the id of the subscription commands act on.
func (c *Client) SubscriptionPath() string { return "/subscriptions/" + c.Subscription }

// ResourcePath returns the id of a resource of type t
// ("Microsoft.Network/virtualNetworks") named name in rg.
func (c *Client) ResourcePath(rg, t, name string) string {
	return c.RGPath(rg) + "/providers/" + t + "/" + name
}

// ListPath returns the collection of resources of type t
// ("Microsoft.Network/virtualNetworks") in rg, or in the whole subscription
// when rg is "", as az's list commands take an optional -g.
func (c *Client) ListPath(rg, t string) string {
	if rg == "" {
		return c.SubscriptionPath() + "/providers/" + t
	}
	return c.RGPath(rg) + "/providers/" + t
}

// NetPath returns the id of a Microsoft.Network resource in rg from the
// path pieces after the provider: "virtualNetworks", vnet, "subnets", name.
func (c *Client) NetPath(rg string, parts ...string) string {
	return c.RGPath(rg) + "/providers/Microsoft.Network/" + strings.Join(parts, "/")
}

// NetSubscriptionPath returns the subscription-wide collection of
// Microsoft.Network type t.
func (c *Client) NetSubscriptionPath(t string) string {
	return c.SubscriptionPath() + "/providers/Microsoft.Network/" + t
}

// NetRef returns v when it is a resource id, else the id of the network
// resource of collection t named v in rg (az's AAZResourceIdArg format).
func (c *Client) NetRef(v, rg, t string) string {
	if v == "" || strings.HasPrefix(v, "/") {
		return v
	}
	return c.NetPath(rg, t, v)
}

// ListItems GETs every page of a collection, following nextLink, and
// returns all items (an empty, non-nil list when there are none).
func (c *Client) ListItems(path, api string) ([]json.RawMessage, error) {
	var all []json.RawMessage
	next := path
	for next != "" {
		r, err := c.Call(http.MethodGet, next, api, nil)
		if err != nil {
			return nil, err
		}
		var page struct {
			Value    []json.RawMessage `json:"value"`
			NextLink string            `json:"nextLink"`
		}
		if err := json.Unmarshal(r.Body, &page); err != nil {
			return nil, fmt.Errorf("decode list: %w", err)
		}
		all = append(all, page.Value...)
		next = page.NextLink
		api = ""
	}
	if all == nil {
		all = []json.RawMessage{}
	}
	return all, nil
}

// RGLocation returns the location of resource group rg, az's default for
// new resources.
func (c *Client) RGLocation(rg string) (string, error) {
	r, err := c.Call(http.MethodGet, c.RGPath(rg), APIResources, nil)
	if err != nil {
		return "", err
	}
	var doc struct {
		Location string `json:"location"`
	}
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		return "", fmt.Errorf("decode resource group %s: %w", rg, err)
	}
	return doc.Location, nil
}
