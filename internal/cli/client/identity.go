package client

import (
	"net/http"
	"strings"

	"github.com/aksnet/aksnet/internal/cli/azshape"
	"github.com/aksnet/aksnet/internal/cli/output"
)

// IdentityPath is the id of user-assigned identity name in rg.
func (c *Client) IdentityPath(rg, name string) string {
	return c.ResourcePath(rg, TypeUserAssignedIdentity, name)
}

// IdentityIDs resolves az identity's -g and -n, or --ids, as az's id_part
// arguments do: without ids both must be given; with ids, a -g or -n is
// ignored with a warning.
func (c *Client) IdentityIDs(ids []string, rg, name string) ([]string, error) {
	if len(ids) == 0 {
		var missing []string
		if rg == "" {
			missing = append(missing, "--resource-group")
		}
		if name == "" {
			missing = append(missing, "--name")
		}
		if len(missing) > 0 {
			return nil, output.CLIError("(%s | --ids) are required", strings.Join(missing, " "))
		}
		return []string{c.IdentityPath(rg, name)}, nil
	}
	if rg != "" {
		c.log.Warn("option '--resource-group' will be ignored due to use of '--ids'.")
	}
	if name != "" {
		c.log.Warn("option '--name' will be ignored due to use of '--ids'.")
	}
	return ids, nil
}

// CreateIdentity PUTs identity name in rg, in location (the group's when
// "", as az's get_default_location_from_resource_group) with tags, and
// returns it as az prints it.
func (c *Client) CreateIdentity(rg, name, location string, tags map[string]string) (any, error) {
	loc, err := c.Location(location, rg)
	if err != nil {
		return nil, err
	}
	r, err := c.Call(http.MethodPut, c.IdentityPath(rg, name), APIMSI, ResourceGroup(loc, tags))
	if err != nil {
		return nil, err
	}
	return shapeIdentity(r.Body)
}

// Identity is the identity at id as az prints it.
func (c *Client) Identity(id string) (any, error) {
	r, err := c.Call(http.MethodGet, id, APIMSI, nil)
	if err != nil {
		return nil, err
	}
	return shapeIdentity(r.Body)
}

// Identities are the user-assigned identities of rg, or of the
// subscription when rg is "", as az prints them.
func (c *Client) Identities(rg string) ([]any, error) {
	items, err := c.ListItems(c.ListPath(rg, TypeUserAssignedIdentity), APIMSI)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(items))
	for _, raw := range items {
		v, err := shapeIdentity(raw)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// DeleteIdentity deletes the identity at id. The MSI API deletes
// synchronously (200 or 204).
func (c *Client) DeleteIdentity(id string) error {
	_, err := c.Call(http.MethodDelete, id, APIMSI, nil)
	return err
}

// shapeIdentity shapes a user-assigned identity as az prints it: the
// properties (clientId, principalId, tenantId) flattened, resourceGroup
// added, and tags always present ({} when the resource has none).
func shapeIdentity(raw []byte) (any, error) {
	v, err := azshape.ShapeJSON(raw)
	if err != nil {
		return nil, output.CLIError("decode identity: %v", err)
	}
	if m, ok := v.(map[string]any); ok {
		if t, ok := m["tags"]; !ok || t == nil {
			m["tags"] = map[string]any{}
		}
	}
	return v, nil
}
