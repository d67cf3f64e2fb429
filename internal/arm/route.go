package arm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/aksnet/aksnet/internal/store"
)

// route is what a request path resolves to.
type route struct {
	kind       *Kind
	p          ResourceID
	collection bool
	action     string // POST action name, lowercased
	path       string // request path naming the target (instance or collection owner)
	parentPath string // request path of the parent scope or resource
	bySub      bool   // a subscription-wide list of a resource-group kind
}

const (
	subscriptionType  = "Microsoft.Resources/subscriptions"
	resourceGroupType = "Microsoft.Resources/subscriptions/resourceGroups"
)

// resolve maps a parsed path to its kind.
func (s *Server) resolve(r *http.Request, p ResourceID) (route, error) {
	rt := route{p: p, path: r.URL.Path}
	var fullType string
	var err error
	if p.Namespace == "" {
		fullType, err = resolveBuiltin(r, &rt)
	} else {
		fullType, err = s.resolveProvider(r, &rt)
	}
	if err != nil {
		return rt, err
	}
	k, ok := s.reg.Lookup(fullType)
	if !ok {
		return rt, azerr.BadRequest("InvalidResourceType", "type", "The resource type '%s' could not be found in the namespace '%s' for api version '%s'.", strings.Join(p.Types, "/"), p.Namespace, r.URL.Query().Get("api-version"))
	}
	rt.kind = k
	if rt.action != "" {
		_, read := k.Actions[rt.action]
		_, write := k.OperationActions[rt.action]
		if !read && !write {
			return rt, azerr.BadRequest("InvalidResourceType", "type", "The resource type '%s/%s' could not be found in the namespace '%s'.", k.ShortType(), p.Types[len(p.Types)-1], p.Namespace)
		}
	}
	if err := resolveBySubscription(r, &rt); err != nil {
		return rt, err
	}
	return rt, nil
}

// resolveBuiltin returns the full type of a path outside any provider
// namespace (subscriptions, resource groups, a group's resources), setting
// rt's collection and parent.
func resolveBuiltin(r *http.Request, rt *route) (string, error) {
	p := rt.p
	switch {
	case p.Subscription == "" && len(p.Types) == 1 && strings.EqualFold(p.Types[0], "subscriptions"):
		rt.collection = true
		return subscriptionType, nil
	case p.Subscription != "" && p.ResourceGroup == "" && len(p.Types) == 0:
		rt.parentPath = ""
		return subscriptionType, nil
	case p.ResourceGroup == "" && len(p.Types) == 1 && strings.EqualFold(p.Types[0], "resourceGroups"):
		rt.collection, rt.parentPath = true, SubscriptionID(p.Subscription)
		return resourceGroupType, nil
	case p.ResourceGroup != "" && len(p.Types) == 0:
		rt.parentPath = SubscriptionID(p.Subscription)
		return resourceGroupType, nil
	case p.Subscription != "" && p.ResourceGroup == "" && len(p.Types) == 1 && strings.EqualFold(p.Types[0], "resources"):
		// GET /subscriptions/{s}/resources: az resource list
		rt.collection, rt.parentPath = true, SubscriptionID(p.Subscription)
		return "Microsoft.Resources/resources", nil
	case p.ResourceGroup != "" && len(p.Types) == 1 && strings.EqualFold(p.Types[0], "resources"):
		rt.collection, rt.parentPath = true, ResourceGroupID(p.Subscription, p.ResourceGroup)
		return "Microsoft.Resources/resources", nil
	default:
		return "", azerr.BadRequest("InvalidResourceId", "id", "The resource path '%s' is not valid.", r.URL.Path)
	}
}

// resolveProvider returns the full type of a path in a provider namespace,
// setting rt's collection, action, path and parent: a POST to an unknown
// collection type under a resource is that resource's action.
func (s *Server) resolveProvider(r *http.Request, rt *route) (string, error) {
	p := rt.p
	trimmed := strings.TrimRight(r.URL.Path, "/")
	if !s.reg.HasNamespace(p.Namespace) {
		return "", azerr.BadRequest("InvalidResourceNamespace", "namespace", "The resource namespace '%s' is invalid.", p.Namespace)
	}
	fullType := p.FullType()
	if p.IsCollection() {
		rt.collection = true
		if _, ok := s.reg.Lookup(fullType); !ok && r.Method == http.MethodPost && len(p.Types) >= 2 {
			// POST {resource}/{action}
			rt.action = strings.ToLower(p.Types[len(p.Types)-1])
			fullType = p.Namespace + "/" + strings.Join(p.Types[:len(p.Types)-1], "/")
			rt.path = trimmed[:strings.LastIndexByte(trimmed, '/')]
		}
	}
	switch {
	case rt.action != "":
		rt.parentPath = ParentOf(rt.path)
	case rt.collection:
		rt.parentPath = trimmed[:strings.LastIndexByte(trimmed, '/')]
		if len(p.Types) == 1 {
			rt.parentPath = p.Scope
		}
	default:
		rt.parentPath = ParentOf(trimmed)
	}
	return fullType, nil
}

// resolveBySubscription marks a subscription-wide list of a resource-group
// kind, and refuses any other path that names such a kind directly under a
// subscription.
func resolveBySubscription(r *http.Request, rt *route) error {
	k, p := rt.kind, rt.p
	if k.Placement == InResourceGroup && len(k.types) >= 1 && p.Namespace != "" && len(p.Types) == 1 && p.ResourceGroup == "" {
		if !rt.collection || !k.ListBySubscription || p.Scope != SubscriptionID(p.Subscription) && !strings.EqualFold(p.Scope, "/subscriptions/"+p.Subscription) {
			return azerr.BadRequest("InvalidResourceId", "id", "The resource path '%s' is not valid: '%s' lives in a resource group.", r.URL.Path, k.Type)
		}
		rt.bySub = true
	}
	return nil
}

// actionFor maps a request to its Azure RBAC action.
func actionFor(method string, rt route) string {
	t := rt.kind.Type
	if rt.action != "" {
		return t + "/" + rt.action + "/action"
	}
	switch method {
	case http.MethodGet, http.MethodHead:
		return t + "/read"
	case http.MethodDelete:
		return t + "/delete"
	default:
		return t + "/write"
	}
}

// requireSubscription answers SubscriptionNotFound for an unknown
// subscription. Subscriptions are never deleted (ARM refuses it), so a
// subscription once found is remembered and costs no store read again.
func (s *Server) requireSubscription(sub string) error {
	if _, ok := s.knownSubs.Load(strings.ToLower(sub)); ok {
		return nil
	}
	found := false
	_ = s.store.View(func(r store.Reader) error {
		_, found = r.Get(KeyOf(SubscriptionID(sub)))
		return nil
	})
	if !found {
		return azerr.NotFound("SubscriptionNotFound", "subscriptionId", "The subscription '%s' could not be found.", sub)
	}
	s.knownSubs.Store(strings.ToLower(sub), true)
	return nil
}

func (s *Server) notFound(c *Call, path string) error {
	p := c.Parsed
	k := c.Kind
	switch {
	case k.Type == resourceGroupType:
		return azerr.NotFound("ResourceGroupNotFound", "resourceGroupName", "Resource group '%s' could not be found.", p.ResourceGroup)
	case k.Type == subscriptionType:
		return azerr.NotFound("SubscriptionNotFound", "subscriptionId", "The subscription '%s' could not be found.", p.Subscription)
	case k.NotFoundCode != "":
		return azerr.NotFound(k.NotFoundCode, "name", "Resource %s not found.", strings.TrimRight(path, "/"))
	case p.ResourceGroup != "":
		return azerr.NotFound("ResourceNotFound", "name", "The Resource '%s/%s' under resource group '%s' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix", k.Type, strings.Join(p.Names, "/"), p.ResourceGroup)
	default:
		return azerr.NotFound("ResourceNotFound", "name", "The Resource '%s' was not found.", strings.TrimRight(path, "/"))
	}
}

// parentMissing returns ResourceGroupNotFound or ParentResourceNotFound when
// the target's container is absent, so a GET explains the real cause.
func (s *Server) parentMissing(c *Call, rd store.Reader, rt route) error {
	p := c.Parsed
	if p.ResourceGroup != "" && c.Kind.Type != resourceGroupType {
		if _, ok := rd.Get(KeyOf(ResourceGroupID(p.Subscription, p.ResourceGroup))); !ok {
			return azerr.NotFound("ResourceGroupNotFound", "resourceGroupName", "Resource group '%s' could not be found.", p.ResourceGroup)
		}
	}
	return nil
}

// canonicalParent returns the stored id of the target's parent, answering
// ResourceGroupNotFound or ParentResourceNotFound when it is absent.
func (s *Server) canonicalParent(c *Call, rt route) (string, error) {
	p := c.Parsed
	k := c.Kind
	switch k.Type {
	case subscriptionType:
		return "", nil
	case resourceGroupType:
		return SubscriptionID(p.Subscription), nil
	}
	if p.ResourceGroup != "" {
		if _, ok := c.R.Get(KeyOf(ResourceGroupID(p.Subscription, p.ResourceGroup))); !ok {
			return "", azerr.NotFound("ResourceGroupNotFound", "resourceGroupName", "Resource group '%s' could not be found.", p.ResourceGroup)
		}
	}
	parent := rt.parentPath
	if parent == "" || parent == "/" {
		return "", nil
	}
	raw, ok := c.R.Get(Key(parent))
	if !ok {
		if len(k.types) > 1 {
			return "", azerr.NotFound("ParentResourceNotFound", "id", "Can not perform requested operation on nested resource. Parent resource '%s' not found.", LastName(parent))
		}
		return "", azerr.NotFound("ResourceNotFound", "scope", "The scope '%s' does not exist.", parent)
	}
	id, err := docID(raw)
	if err != nil || id == "" {
		return "", fmt.Errorf("stored parent %s has no id: %w", parent, err)
	}
	return id, nil
}

// docID returns the top-level "id" of a stored document.
func docID(raw []byte) (string, error) { return docString(raw, "id") }

// docString returns the top-level string member key of a stored document
// ("" when it has none), reading no further than that member. Documents are
// encoded with their members in key order, so "etag", "id" and "location"
// come before "properties", which for a parent can hold hundreds of inline
// children.
func docString(raw []byte, key string) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return "", fmt.Errorf("not a JSON object: %v", err)
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return "", err
		}
		if k, _ := t.(string); k == key {
			var v string
			err := dec.Decode(&v)
			return v, err
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return "", err
		}
	}
	return "", nil
}

// canonicalID builds the canonical id of a new resource under parent.
func canonicalID(k *Kind, parent, name string) string {
	switch k.Type {
	case subscriptionType:
		return SubscriptionID(name)
	case resourceGroupType:
		return parent + "/resourceGroups/" + name
	}
	if len(k.types) == 1 {
		return strings.TrimRight(parent, "/") + "/providers/" + k.ns + "/" + k.types[0] + "/" + name
	}
	return parent + "/" + k.types[len(k.types)-1] + "/" + name
}

func (p ResourceID) lastName() string {
	if len(p.Names) > 0 {
		return p.Names[len(p.Names)-1]
	}
	if p.ResourceGroup != "" {
		return p.ResourceGroup
	}
	return p.Subscription
}
