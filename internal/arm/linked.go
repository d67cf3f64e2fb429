package arm

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/aksnet/aksnet/internal/azerr"
)

// Linked-resource authorization. ARM checks the caller's rights not only on
// the resource a request writes but also on every resource the body links
// to: a NIC placed on a subnet needs the subnet's join action, a cluster
// given a user-assigned identity needs the identity's assign action, and so
// on. Without it, a principal that may write in one resource group could
// attach another group's subnet, route table or identity to its own
// resources. Providers declare the links of a request as Links and call
// Call.AuthorizeLinked while validating it, before they look the linked
// resources up, so that a refused link answers the same whether or not the
// linked resource exists.

// Link is one resource a request links to.
type Link struct {
	// Action is what the caller needs on the linked resource, e.g.
	// "Microsoft.Network/virtualNetworks/subnets/join/action".
	Action string
	// ID is the linked resource id as the request names it; empty means no
	// link.
	ID string
	// Was is the id the stored resource links to in the same place, empty
	// when it links to nothing (or the resource is new). A link that is
	// unchanged is not checked again, as ARM checks only what a request
	// changes.
	Was string
	// Target is the JSON path of the link in the request body.
	Target string
}

// AuthorizeLinked checks that the caller may perform each link's Action on
// the linked resource, for every link that is new or changed. It answers
// ARM's 403 LinkedAuthorizationFailed naming every refused action and linked
// scope, or nil.
//
// Calls without a caller (controllers, Server.Update, and the resources AKS
// provisions as a first party) are not checked: the front door has already
// authorized the request that caused them.
//
// The linked scope is the stored id of the linked resource when it exists,
// so that the check and the lookup that follows agree whatever casing or
// slashes the request used; otherwise it is the id as given. An id that is
// not a resource id at all is left to the provider's validation, which must
// refuse it (LinkedInvalidPropertyId, InvalidResourceReference).
//
// It runs inside the write transaction, so the Authorizer may refresh its
// snapshot of the role assignments with a read of the store while a write is
// open: with bolt that read closes before the commit that could remap the
// file. Such a snapshot misses assignments written in the same group commit,
// which is right (they are not durable yet), and their commit marks the
// snapshot stale again before their writers answer.
func (c *Call) AuthorizeLinked(links ...Link) error {
	if c.Caller == nil || c.Caller.ObjectID == "" || c.Server == nil || c.Server.authz == nil {
		return nil
	}
	var actions, scopes []string
	target := ""
	seen := map[string]bool{}
	for _, l := range links {
		scope, refused := c.linkRefused(l, seen)
		if !refused {
			continue
		}
		if target == "" {
			target = l.Target
		}
		actions = append(actions, l.Action)
		scopes = append(scopes, scope)
	}
	if len(actions) == 0 {
		return nil
	}
	return LinkedAuthorizationFailed(c.Caller.ObjectID, c.writeAction(), c.ID, actions, scopes, target)
}

// linkRefused checks one link of AuthorizeLinked: refused is true, with the
// linked scope, when the caller may not perform l.Action there. A link
// without an id or action, to no resource, unchanged since l.Was, or already
// seen (same action and scope) is not checked.
func (c *Call) linkRefused(l Link, seen map[string]bool) (scope string, refused bool) {
	if l.ID == "" || l.Action == "" {
		return "", false
	}
	scope, ok := c.linkedScope(l.ID)
	if !ok {
		return "", false
	}
	if l.Was != "" {
		if was, ok := c.linkedScope(l.Was); ok && strings.EqualFold(was, scope) {
			return "", false
		}
	}
	key := strings.ToLower(l.Action + "\x00" + scope)
	if seen[key] {
		return "", false
	}
	seen[key] = true
	return scope, c.Server.authz.Authorize(c.Caller, l.Action, scope) != nil
}

// linkedScope returns the stored id of the resource id names, or id itself
// when nothing is stored there; ok is false when id is not a resource id.
func (c *Call) linkedScope(id string) (string, bool) {
	if raw := c.StoredDoc(id); raw != nil {
		var doc struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(raw, &doc) == nil && doc.ID != "" {
			return doc.ID, true
		}
	}
	p, err := ParseID(id)
	if err != nil || p.Subscription == "" || !strings.HasPrefix(id, "/") || p.Namespace == "" || p.IsCollection() {
		return "", false
	}
	return id, true
}

// writeAction is the action the front door authorized for the call's write.
func (c *Call) writeAction() string {
	if c.Kind == nil {
		return ""
	}
	return c.Kind.Type + "/write"
}

// LinkedAuthorizationFailed is ARM's 403 for a caller allowed action on
// scope but refused linkedActions on linkedScopes (pairwise). ARM's message,
// as seen from AKS (Azure/mpf, pkg/domain authorizationErrorParser tests):
//
//	The client '{oid}' with object id '{oid}' has permission to perform
//	action '{action}' on scope '{scope}'; however, it does not have
//	permission to perform action(s) '{linked actions}' on the linked
//	scope(s) '{linked scopes}' (respectively) or the linked scope(s) are
//	invalid.
//
// (on one line; lists are comma-separated). aksnet knows the client only by
// its object id, so it appears twice, as in AuthorizationFailed.
func LinkedAuthorizationFailed(objectID, action, scope string, linkedActions, linkedScopes []string, target string) *azerr.Error {
	return azerr.New(http.StatusForbidden, "LinkedAuthorizationFailed", target,
		"The client '%s' with object id '%s' has permission to perform action '%s' on scope '%s'; however, it does not have permission to perform action(s) '%s' on the linked scope(s) '%s' (respectively) or the linked scope(s) are invalid.",
		objectID, objectID, action, scope, strings.Join(linkedActions, ","), strings.Join(linkedScopes, ","))
}
