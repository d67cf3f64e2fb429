package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/aksnet/aksnet/internal/cli/output"
)

// graph sends a Microsoft Graph request. Transport failures are
// errors; Graph's answers, errors included, are returned.
func (c *Client) graph(method, path string, body any) (*Response, error) {
	return c.Do(method, path, "", body)
}

// graphErr is az's GraphError: Graph's message, exit code 1. It
// unwraps to the *output.Error the error handler prints.
type graphErr struct{ err *output.Error }

func (g *graphErr) Error() string { return g.err.Error() }
func (g *graphErr) Unwrap() error { return g.err }

func graphError(r *Response) error {
	ae := output.ParseARMError(r.Status, r.Body)
	msg := ae.Message
	if msg == "" {
		msg = ae.Error()
	}
	return &graphErr{&output.Error{Code: 1, Message: msg}}
}

// GraphValues calls Graph and returns its "value" list.
func (c *Client) GraphValues(method, path string, body any) ([]map[string]any, *Response, error) {
	r, err := c.graph(method, path, body)
	if err != nil {
		return nil, nil, err
	}
	if r.Status >= 400 {
		return nil, r, graphError(r)
	}
	var page struct {
		Value []map[string]any `json:"value"`
	}
	if err := json.Unmarshal(r.Body, &page); err != nil {
		return nil, r, output.CLIError("decode Graph response: %v", err)
	}
	return page.Value, r, nil
}

// GraphFilter is a Graph collection path with an OData $filter.
func GraphFilter(collection, filter string) string {
	return "/v1.0/" + collection + "?" + url.Values{"$filter": {filter}}.Encode()
}

// objectStubs is az's _get_object_stubs: directoryObjects/getByIds, at
// most 1000 ids a call.
func (c *Client) objectStubs(ids []string) ([]map[string]any, error) {
	var out []map[string]any
	for i := 0; i < len(ids); i += 1000 {
		end := min(i+1000, len(ids))
		body := map[string]any{"ids": ids[i:end], "types": []string{"user", "group", "servicePrincipal", "directoryObjectPartnerReference"}}
		vals, _, err := c.GraphValues(http.MethodPost, "/v1.0/directoryObjects/getByIds", body)
		if err != nil {
			return nil, err
		}
		out = append(out, vals...)
	}
	return out, nil
}

// ResolveAssignee is az's _resolve_object_id_and_type: a service
// principal name (an appId among them), else an object id confirmed by
// getByIds. Users do not exist in aksnet's directory, so sign-in names are
// not looked up.
func (c *Client) ResolveAssignee(assignee string, fallbackToObjectID bool) (string, string, error) {
	id, ptype, err := c.lookupAssignee(assignee)
	if err == nil {
		return id, ptype, nil
	}
	var ge *graphErr
	if !errors.As(err, &ge) {
		return "", "", err
	}
	c.log.Warn("Failed to query %s by invoking Graph API. If you don't have permission to query Graph API, please "+
		"specify --assignee-object-id and --assignee-principal-type.", assignee)
	if fallbackToObjectID && isGUID(assignee) {
		c.log.Warn("Assuming %s as an object ID.", assignee)
		return assignee, "", nil
	}
	return "", "", err
}

func (c *Client) lookupAssignee(assignee string) (string, string, error) {
	sps, _, err := c.GraphValues(http.MethodGet, GraphFilter("servicePrincipals", fmt.Sprintf("servicePrincipalNames/any(c:c eq '%s')", assignee)), nil)
	if err != nil {
		return "", "", err
	}
	if len(sps) > 0 {
		return Str(sps[0], "id"), "ServicePrincipal", nil
	}
	if isGUID(assignee) {
		objs, err := c.objectStubs([]string{assignee})
		if err != nil {
			return "", "", err
		}
		if len(objs) > 0 {
			return Str(objs[0], "id"), ODataTypes[Str(objs[0], "@odata.type")], nil
		}
	}
	return "", "", output.CLIError("Cannot find user or service principal in graph database for '%s'. If the assignee is an appId, "+
		"make sure the corresponding service principal is created with 'az ad sp create --id %s'.", assignee, assignee)
}

// PrincipalTypeOf is az's _get_principal_type_from_object_id: the
// principal type Graph knows for an object id, or "" (None).
func (c *Client) PrincipalTypeOf(objectID string) string {
	objs, err := c.objectStubs([]string{objectID})
	if err != nil {
		c.log.Warn("Failed to query --assignee-principal-type for --assignee-object-id %s by invoking Graph API.", objectID)
		return ""
	}
	if len(objs) > 0 {
		return ODataTypes[Str(objs[0], "@odata.type")]
	}
	return ""
}

// CreateApplication is az's create_application for a display name: an
// existing application of that name is patched, else a new one is created.
func (c *Client) CreateApplication(displayName string) (map[string]any, error) {
	apps, _, err := c.GraphValues(http.MethodGet, GraphFilter("applications", fmt.Sprintf("startswith(displayName,'%s')", displayName)), nil)
	if err != nil {
		return nil, err
	}
	var same []map[string]any
	for _, a := range apps {
		if Str(a, "displayName") == displayName {
			same = append(same, a)
		}
	}
	switch len(same) {
	case 0:
		return c.GraphObject(http.MethodPost, "/v1.0/applications", map[string]any{"displayName": displayName, "keyCredentials": []any{}})
	case 1:
		id := Str(same[0], "id")
		c.log.Warn("Found an existing application instance: (id) %s. We will patch it.", id)
		if _, err := c.GraphObject(http.MethodPatch, "/v1.0/applications/"+id, map[string]any{"displayName": displayName}); err != nil {
			return nil, err
		}
		return c.GraphObject(http.MethodGet, "/v1.0/applications/"+id, nil)
	}
	ids := make([]string, len(same))
	for i, a := range same {
		ids[i] = Str(a, "id")
	}
	return nil, output.CLIError("More than one application have the same display name '%s': (id) %s, please remove them first.", displayName, strings.Join(ids, ", "))
}

// GraphObject sends a Graph request answering one object (or nothing).
func (c *Client) GraphObject(method, path string, body any) (map[string]any, error) {
	r, err := c.graph(method, path, body)
	if err != nil {
		return nil, err
	}
	if r.Status >= 400 {
		return nil, graphError(r)
	}
	out := map[string]any{}
	if len(strings.TrimSpace(string(r.Body))) > 0 {
		if err := json.Unmarshal(r.Body, &out); err != nil {
			return nil, &output.Error{Code: 1, Message: fmt.Sprintf("decode Graph response: %v", err)}
		}
	}
	return out, nil
}
