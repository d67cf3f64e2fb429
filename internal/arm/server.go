package arm

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/aksnet/aksnet/internal/store"
)

// MaxBodyBytes is the largest request body ARM accepts (4 MiB).
const MaxBodyBytes = 4 << 20

// Authenticator turns a request's bearer token into a Caller, or answers a
// 401 *azerr.Error.
type Authenticator interface {
	Authenticate(r *http.Request) (*Caller, error)
}

// Authorizer decides whether caller may perform action (e.g.
// "Microsoft.Network/virtualNetworks/write") on scope, answering a 403
// *azerr.Error when not.
type Authorizer interface {
	Authorize(caller *Caller, action, scope string) error
}

// Observer receives one observation per request, for metrics.
type Observer interface {
	Observe(method, resourceType string, status int, d time.Duration)
}

// Config wires a Server.
type Config struct {
	Store    store.Store
	Registry *Registry
	Authn    Authenticator
	Authz    Authorizer
	Observer Observer
	// PageSize is the number of items per LIST page (default 100).
	PageSize int
}

// Server is the ARM front door, an http.Handler.
type Server struct {
	store    store.Store
	reg      *Registry
	authn    Authenticator
	authz    Authorizer
	obs      Observer
	pageSize int

	watchMu  sync.Mutex
	watchers []func(ids []string)

	knownSubs sync.Map // lowercased subscription id → true
}

// NewServer returns a Server.
func NewServer(cfg Config) *Server {
	ps := cfg.PageSize
	if ps <= 0 {
		ps = 100
	}
	return &Server{store: cfg.Store, reg: cfg.Registry, authn: cfg.Authn, authz: cfg.Authz, obs: cfg.Observer, pageSize: ps}
}

// Store returns the server's store.
func (s *Server) Store() store.Store { return s.store }

// Registry returns the server's kinds.
func (s *Server) Registry() *Registry { return s.reg }

// statusRecorder remembers the status written, for metrics.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// ServeHTTP implements http.Handler. Every answer, including a panic in a
// hook, is in ARM's JSON envelope.
func (s *Server) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	start := time.Now()
	w := &statusRecorder{ResponseWriter: rw}
	kindName := ""
	defer func() {
		if p := recover(); p != nil {
			slog.Error("panic serving request", "requestId", RequestID(w), "method", r.Method, "path", r.URL.Path, "panic", p)
			if w.status == 0 {
				WriteError(w, r, fmt.Errorf("panic: %v", p))
			}
		}
		if s.obs != nil {
			s.obs.Observe(r.Method, kindName, w.status, time.Since(start))
		}
	}()
	setRequestIDs(w, r)
	kindName = s.serve(w, r)
}

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

func (s *Server) serve(w http.ResponseWriter, r *http.Request) string {
	p, err := ParseID(r.URL.Path)
	if err != nil {
		WriteError(w, r, err)
		return ""
	}
	caller, err := s.authn.Authenticate(r)
	if err != nil {
		WriteError(w, r, err)
		return ""
	}
	if err := checkAPIVersion(r); err != nil {
		WriteError(w, r, err)
		return ""
	}
	if isLocationList(p) {
		s.serveLocations(w, r, caller, p)
		return "locations"
	}
	if p.Namespace != "" && len(p.Types) >= 2 && strings.EqualFold(p.Types[0], "locations") &&
		(strings.EqualFold(p.Types[1], "operations") || strings.EqualFold(p.Types[1], "operationresults")) && len(p.Names) == 2 {
		s.serveOperation(w, r, p, caller)
		return "operations"
	}
	rt, err := s.resolve(r, p)
	if err != nil {
		WriteError(w, r, err)
		return ""
	}
	if p.Subscription != "" && !(rt.kind.Type == subscriptionType && r.Method == http.MethodPut) {
		if err := s.requireSubscription(p.Subscription); err != nil {
			WriteError(w, r, err)
			return rt.kind.Type
		}
	}
	action := actionFor(r.Method, rt)
	scope := strings.TrimRight(rt.path, "/")
	if rt.collection && rt.action == "" {
		scope = strings.TrimRight(rt.parentPath, "/")
	}
	if scope == "" {
		scope = "/"
	}
	if err := s.authz.Authorize(caller, action, scope); err != nil {
		WriteError(w, r, err)
		return rt.kind.Type
	}
	c := &Call{
		Ctx:        r.Context(),
		Server:     s,
		Kind:       rt.kind,
		Caller:     caller,
		Method:     r.Method,
		Query:      r.URL.Query(),
		Header:     r.Header,
		Parsed:     p,
		base:       externalBase(r),
		apiVersion: r.URL.Query().Get("api-version"),
	}
	switch {
	case rt.action != "":
		if r.Method != http.MethodPost {
			WriteError(w, r, methodNotAllowed(r))
			break
		}
		s.serveAction(w, r, c, rt)
	case rt.collection:
		if r.Method != http.MethodGet {
			WriteError(w, r, methodNotAllowed(r))
			break
		}
		s.serveList(w, r, c, rt)
	default:
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			s.serveGet(w, r, c, rt)
		case http.MethodPut:
			s.servePut(w, r, c, rt)
		case http.MethodPatch:
			s.servePatch(w, r, c, rt)
		case http.MethodDelete:
			s.serveDelete(w, r, c, rt)
		default:
			WriteError(w, r, methodNotAllowed(r))
		}
	}
	return rt.kind.Type
}

func methodNotAllowed(r *http.Request) error {
	return azerr.New(http.StatusMethodNotAllowed, "MethodNotAllowed", "", "The requested method '%s' is not allowed for resource '%s'.", r.Method, r.URL.Path)
}

const (
	subscriptionType  = "Microsoft.Resources/subscriptions"
	resourceGroupType = "Microsoft.Resources/subscriptions/resourceGroups"
)

// resolve maps a parsed path to its kind.
func (s *Server) resolve(r *http.Request, p ResourceID) (route, error) {
	rt := route{p: p, path: r.URL.Path}
	trimmed := strings.TrimRight(r.URL.Path, "/")
	var fullType string
	switch {
	case p.Namespace == "" && p.Subscription == "" && len(p.Types) == 1 && strings.EqualFold(p.Types[0], "subscriptions"):
		fullType, rt.collection = subscriptionType, true
	case p.Namespace == "" && p.Subscription != "" && p.ResourceGroup == "" && len(p.Types) == 0:
		fullType, rt.parentPath = subscriptionType, ""
	case p.Namespace == "" && p.ResourceGroup == "" && len(p.Types) == 1 && strings.EqualFold(p.Types[0], "resourceGroups"):
		fullType, rt.collection, rt.parentPath = resourceGroupType, true, SubscriptionID(p.Subscription)
	case p.Namespace == "" && p.ResourceGroup != "" && len(p.Types) == 0:
		fullType, rt.parentPath = resourceGroupType, SubscriptionID(p.Subscription)
	case p.Namespace == "" && p.ResourceGroup != "" && len(p.Types) == 1 && strings.EqualFold(p.Types[0], "resources"):
		fullType, rt.collection, rt.parentPath = "Microsoft.Resources/resources", true, ResourceGroupID(p.Subscription, p.ResourceGroup)
	case p.Namespace == "":
		return rt, azerr.BadRequest("InvalidResourceId", "id", "The resource path '%s' is not valid.", r.URL.Path)
	default:
		if !s.reg.HasNamespace(p.Namespace) {
			return rt, azerr.BadRequest("InvalidResourceNamespace", "namespace", "The resource namespace '%s' is invalid.", p.Namespace)
		}
		fullType = p.FullType()
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
	}
	k, ok := s.reg.Lookup(fullType)
	if !ok {
		return rt, azerr.BadRequest("InvalidResourceType", "type", "The resource type '%s' could not be found in the namespace '%s' for api version '%s'.", strings.Join(p.Types, "/"), p.Namespace, r.URL.Query().Get("api-version"))
	}
	rt.kind = k
	if rt.action != "" {
		if _, ok := k.Actions[rt.action]; !ok {
			return rt, azerr.BadRequest("InvalidResourceType", "type", "The resource type '%s/%s' could not be found in the namespace '%s'.", k.ShortType(), p.Types[len(p.Types)-1], p.Namespace)
		}
	}
	if k.Placement == InResourceGroup && len(k.types) >= 1 && p.Namespace != "" && len(p.Types) == 1 && p.ResourceGroup == "" {
		if !rt.collection || !k.ListBySubscription || p.Scope != SubscriptionID(p.Subscription) && !strings.EqualFold(p.Scope, "/subscriptions/"+p.Subscription) {
			return rt, azerr.BadRequest("InvalidResourceId", "id", "The resource path '%s' is not valid: '%s' lives in a resource group.", r.URL.Path, k.Type)
		}
		rt.bySub = true
	}
	return rt, nil
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

func (s *Server) serveGet(w http.ResponseWriter, r *http.Request, c *Call, rt route) {
	var body []byte
	err := s.store.View(func(rd store.Reader) error {
		c.R = rd
		if c.Kind.Get != nil {
			c.Existing, _ = rd.Get(Key(rt.path))
			b, err := c.Kind.Get(c)
			if err != nil {
				return err
			}
			if b == nil {
				return s.notFound(c, rt.path)
			}
			body = bytes.Clone(b) // it may be the store's, valid only in this View
			return nil
		}
		v, ok := rd.Get(Key(rt.path))
		if !ok {
			if err := s.parentMissing(c, rd, rt); err != nil {
				return err
			}
			return s.notFound(c, rt.path)
		}
		if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatches(inm, docETag(v)) {
			body = nil
			return errNotModified
		}
		body = append(make([]byte, 0, len(v)), v...)
		return nil
	})
	if errors.Is(err, errNotModified) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if err != nil {
		WriteError(w, r, err)
		return
	}
	if r.Method == http.MethodHead {
		// ARM's existence checks (az group exists) answer 204, or 404.
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeBody(w, http.StatusOK, body)
}

var errNotModified = errors.New("not modified")

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

func (s *Server) serveList(w http.ResponseWriter, r *http.Request, c *Call, rt route) {
	var items [][]byte
	err := s.store.View(func(rd store.Reader) error {
		c.R = rd
		c.Parent = rt.parentPath
		if c.Kind.List != nil {
			var err error
			items, err = c.Kind.List(c)
			return err
		}
		if rt.bySub {
			scanType(rd, c.Kind.Type, SubscriptionID(c.Parsed.Subscription)+"/", func(_ string, raw []byte) bool {
				items = append(items, append([]byte(nil), raw...))
				return true
			})
			return nil
		}
		if rt.parentPath != "" && rt.parentPath != "/" {
			if _, ok := rd.Get(Key(rt.parentPath)); !ok {
				if err := s.parentMissing(c, rd, rt); err != nil {
					return err
				}
				return azerr.NotFound("ParentResourceNotFound", "id", "Can not perform requested operation on nested resource. Parent resource '%s' not found.", LastName(rt.parentPath))
			}
		}
		seg := c.Kind.types[len(c.Kind.types)-1]
		if len(c.Kind.types) == 1 && c.Kind.ns != "Microsoft.Resources" {
			seg = "providers/" + c.Kind.ns + "/" + seg
		}
		scanChildren(rd, rt.parentPath, seg, func(raw []byte) bool {
			items = append(items, append([]byte(nil), raw...))
			return true
		})
		return nil
	})
	if err != nil {
		WriteError(w, r, err)
		return
	}
	s.writePage(w, r, items)
}

// writePage answers one page of items as {"value":[…],"nextLink":…}.
func (s *Server) writePage(w http.ResponseWriter, r *http.Request, items [][]byte) {
	offset := 0
	if tok := r.URL.Query().Get("$skiptoken"); tok != "" {
		b, err := base64.RawURLEncoding.DecodeString(tok)
		n, err2 := strconv.Atoi(string(b))
		if err != nil || err2 != nil || n < 0 {
			WriteError(w, r, azerr.BadRequest("InvalidSkipToken", "$skiptoken", "The skip token '%s' is not valid.", tok))
			return
		}
		offset = n
	}
	if offset > len(items) {
		offset = len(items)
	}
	end := min(offset+s.pageSize, len(items))
	var buf bytes.Buffer
	buf.WriteString(`{"value":[`)
	for i, it := range items[offset:end] {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(it)
	}
	buf.WriteString("]")
	if end < len(items) {
		q := r.URL.Query()
		q.Set("$skiptoken", base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end))))
		link := externalBase(r) + r.URL.Path + "?" + q.Encode()
		lb, _ := json.Marshal(link)
		buf.WriteString(`,"nextLink":`)
		buf.Write(lb)
	}
	buf.WriteString("}")
	writeBody(w, http.StatusOK, buf.Bytes())
}

// readBody reads at most MaxBodyBytes.
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return nil, azerr.BadRequest("InvalidRequestContent", "", "The request content could not be read: %s", err.Error())
	}
	if len(body) > MaxBodyBytes {
		return nil, azerr.New(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "", "The request content size exceeds the maximum allowed size of %d bytes.", MaxBodyBytes)
	}
	if len(bytes.TrimSpace(body)) > 0 && !json.Valid(body) {
		var v any
		err := json.Unmarshal(body, &v)
		return nil, azerr.BadRequest("InvalidRequestContent", "", "The request content was invalid and could not be deserialized: %s", err.Error())
	}
	return body, nil
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

// docID returns the top-level "id" of a stored document, reading no
// further than that member. Documents are encoded with their members in key
// order, so "id" comes before "properties", which for a parent can hold
// hundreds of inline children.
func docID(raw []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return "", fmt.Errorf("not a JSON object: %v", err)
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return "", err
		}
		if key, _ := t.(string); key == "id" {
			var id string
			err := dec.Decode(&id)
			return id, err
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

func (s *Server) servePut(w http.ResponseWriter, r *http.Request, c *Call, rt route) {
	body, err := readBody(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	c.Body = body
	c.Name = c.Parsed.lastName()
	if c.Kind.Put == nil {
		WriteError(w, r, methodNotAllowed(r))
		return
	}
	if c.Kind.ValidName != nil {
		if err := c.Kind.ValidName(c.Name); err != nil {
			WriteError(w, r, err)
			return
		}
	}
	if err := checkRequestBody(c.Kind, body); err != nil {
		WriteError(w, r, err)
		return
	}
	var out []byte
	created := false
	err = s.updateCall(r.Context(), c, func(tx store.Tx) error {
		parent, err := s.canonicalParent(c, rt)
		if err != nil {
			return err
		}
		c.Parent = parent
		key := Key(rt.path)
		existing, ok := tx.Get(key)
		if err := checkPreconditions(r, existing, ok); err != nil {
			return err
		}
		if ok {
			c.Existing = existing
			c.ID, _ = docID(existing)
		}
		if c.ID == "" {
			c.ID = canonicalID(c.Kind, parent, c.Name)
		}
		created = !ok
		out, err = c.Kind.Put(c)
		if err != nil {
			return err
		}
		c.SaveRaw(c.ID, out)
		// out may be a stored document (an unchanged re-PUT), valid only
		// inside the transaction; the answer is written after it.
		out = bytes.Clone(out)
		if c.Kind.AfterPut != nil {
			return c.Kind.AfterPut(c)
		}
		return nil
	}, true)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	if final := s.finalDoc(c.ID); final != nil {
		out = final
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	if c.Status != 0 {
		status = c.Status
	}
	if c.operationID != "" {
		s.setAsyncHeaders(w, r, c.Kind.ns, docLocation(out), c.operationID, c.Parsed.Subscription)
		w.Header().Del("Location")
	}
	writeBody(w, status, out)
}

func (s *Server) servePatch(w http.ResponseWriter, r *http.Request, c *Call, rt route) {
	body, err := readBody(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	if err := checkRequestBody(c.Kind, body); err != nil {
		WriteError(w, r, err)
		return
	}
	c.Body = body
	c.Name = c.Parsed.lastName()
	var out []byte
	err = s.update(r.Context(), c, func(tx store.Tx) error {
		existing, ok := tx.Get(Key(rt.path))
		if err := checkPreconditions(r, existing, ok); err != nil {
			return err
		}
		if !ok {
			if err := s.parentMissing(c, tx, rt); err != nil {
				return err
			}
			return s.notFound(c, rt.path)
		}
		c.Existing = existing
		var doc struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(existing, &doc)
		c.ID = doc.ID
		c.Parent = ParentOf(c.ID)
		patch := c.Kind.Patch
		if patch == nil {
			patch = patchTags
		}
		out, err = patch(c)
		if err != nil {
			return err
		}
		c.SaveRaw(c.ID, out)
		return nil
	})
	if err != nil {
		WriteError(w, r, err)
		return
	}
	writeBody(w, http.StatusOK, out)
}

// patchTags is ARM's generic PATCH: only tags change.
func patchTags(c *Call) ([]byte, error) {
	var req struct {
		Tags *map[string]string `json:"tags"`
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(c.Existing, &doc); err != nil {
		return nil, fmt.Errorf("decode stored %s: %w", c.ID, err)
	}
	if req.Tags != nil {
		t, _ := json.Marshal(*req.Tags)
		doc["tags"] = t
	}
	if _, ok := doc["etag"]; ok {
		e, _ := json.Marshal(NewETag())
		doc["etag"] = e
	}
	return json.Marshal(doc)
}

func (s *Server) serveDelete(w http.ResponseWriter, r *http.Request, c *Call, rt route) {
	c.Name = c.Parsed.lastName()
	deleted := false
	var location string
	err := s.update(r.Context(), c, func(tx store.Tx) error {
		existing, ok := tx.Get(Key(rt.path))
		if err := checkPreconditions(r, existing, ok); err != nil {
			return err
		}
		if !ok {
			if err := s.parentMissing(c, tx, rt); err != nil {
				return err
			}
			return nil
		}
		var doc struct {
			ID       string `json:"id"`
			Location string `json:"location"`
		}
		_ = json.Unmarshal(existing, &doc)
		// A copy: the store's bytes are valid only inside the transaction,
		// and a synchronous delete answers with them after it.
		c.ID, c.Existing, location = doc.ID, bytes.Clone(existing), doc.Location
		if err := s.deleteResource(c, c.ID, ""); err != nil {
			return err
		}
		if !c.Kind.SyncDelete {
			c.putOperation(NewUUID(), location, StatusSucceeded, nil)
		}
		deleted = true
		return nil
	})
	if err != nil {
		WriteError(w, r, err)
		return
	}
	if !deleted {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if c.Kind.SyncDelete {
		writeBody(w, http.StatusOK, c.Existing)
		return
	}
	s.setAsyncHeaders(w, r, c.Kind.ns, location, c.operationID, c.Parsed.Subscription)
	w.WriteHeader(http.StatusAccepted)
}

// deleteResource removes id and everything under it. References into the
// deleted tree from outside outer (or outside id itself) refuse the delete
// with the referenced kind's in-use code.
func (s *Server) deleteResource(c *Call, id, outer string) error {
	if outer == "" {
		outer = id
	}
	prefix := KeyOf(id)
	var keys []string
	c.Tx.Scan(prefix, func(k string, _ []byte) bool {
		if len(k) == len(prefix) || k[len(prefix)] == '/' {
			keys = append(keys, k)
		}
		return true
	})
	ids := make([]string, 0, len(keys))
	for _, k := range keys {
		raw, _ := c.Tx.Get(k)
		var doc struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(raw, &doc)
		if doc.ID == "" {
			continue
		}
		ids = append(ids, doc.ID)
		for _, src := range refsTo(c.Tx, doc.ID) {
			if within(src, outer) || within(src, id) {
				continue
			}
			code, display := "InUseResourceCannotBeDeleted", shortKind(doc.ID)
			if k, ok := s.reg.Lookup(typeOfID(doc.ID)); ok {
				if k.InUseCode != "" {
					code = k.InUseCode
				}
				if k.Display != "" {
					display = k.Display
				}
			}
			return azerr.BadRequest(code, "id", "%s %s is in use by %s and cannot be deleted.", display, LastName(doc.ID), src)
		}
	}
	existing, _ := c.Tx.Get(KeyOf(id))
	existing = append([]byte(nil), existing...)
	if k, ok := s.reg.Lookup(typeOfID(id)); ok && k.Delete != nil {
		sub := *c
		sub.Kind, sub.ID, sub.Parent = k, id, ParentOf(id)
		sub.Existing, _ = c.Tx.Get(KeyOf(id))
		if err := k.Delete(&sub); err != nil {
			return err
		}
		c.after, c.changed = sub.after, sub.changed
	}
	for i, k := range keys {
		c.Tx.Delete(k)
		if i < len(ids) {
			c.Tx.Delete(typeIndexKey(ids[i]))
		}
	}
	for _, d := range ids {
		setRefs(c.Tx, d)
		c.changed = append(c.changed, d)
	}
	if k, ok := s.reg.Lookup(typeOfID(id)); ok && k.AfterDelete != nil {
		sub := *c
		sub.Kind, sub.ID, sub.Parent, sub.Existing = k, id, ParentOf(id), existing
		if err := k.AfterDelete(&sub); err != nil {
			return err
		}
		c.after, c.changed = sub.after, sub.changed
	}
	return nil
}

func shortKind(id string) string {
	t := typeOfID(id)
	return t[strings.LastIndexByte(t, '/')+1:]
}

func (s *Server) serveAction(w http.ResponseWriter, r *http.Request, c *Call, rt route) {
	body, err := readBody(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	c.Body = body
	var status int
	var result any
	err = s.store.View(func(rd store.Reader) error {
		c.R = rd
		v, ok := rd.Get(Key(rt.path))
		if !ok {
			return s.notFound(c, rt.path)
		}
		c.Existing = v
		var doc struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(v, &doc)
		c.ID = doc.ID
		status, result, err = c.Kind.Actions[rt.action](c)
		return err
	})
	if err != nil {
		WriteError(w, r, err)
		return
	}
	WriteJSON(w, r, status, result)
}

// update runs fn in a store transaction bound to c, then the call's
// after-commit hooks.
func (s *Server) update(ctx context.Context, c *Call, fn func(store.Tx) error) error {
	return s.updateCall(ctx, c, fn, false)
}

// updateCall is update; with optimistic set and a store that supports it,
// fn and the kind's hooks run outside the store's serial commit section (see
// store.Optimistic). fn may then run twice, so it must assign, not
// accumulate, whatever it hands back; c itself starts each run as it was
// before the first.
func (s *Server) updateCall(ctx context.Context, c *Call, fn func(store.Tx) error, optimistic bool) error {
	run := func(tx store.Tx) error {
		c.Tx, c.R, c.after, c.changed = tx, tx, nil, nil
		c.deferred = &deferredWork{keys: map[string]bool{}}
		if err := fn(tx); err != nil {
			return err
		}
		return c.runDeferred()
	}
	var err error
	if opt, ok := s.store.(store.Optimistic); ok && optimistic {
		start := *c
		err = opt.UpdateOptimistic(ctx, func(tx store.Tx) error {
			*c = start
			return run(tx)
		})
	} else {
		err = s.store.Update(ctx, run)
	}
	if err != nil {
		return err
	}
	for _, f := range c.after {
		f()
	}
	s.notify(c.changed)
	return nil
}

// Watch registers fn to be called, after each committed write, with the ids
// of the resources the write stored or deleted. Controllers use it to
// converge; fn must not block.
func (s *Server) Watch(fn func(ids []string)) {
	s.watchMu.Lock()
	s.watchers = append(s.watchers, fn)
	s.watchMu.Unlock()
}

func (s *Server) notify(ids []string) {
	if len(ids) == 0 {
		return
	}
	s.watchMu.Lock()
	ws := s.watchers
	s.watchMu.Unlock()
	for _, w := range ws {
		w(ids)
	}
}

// Update runs fn in a write transaction outside any HTTP request — for
// controllers and bootstrap — with the same watch notifications as requests.
func (s *Server) Update(ctx context.Context, fn func(c *Call) error) error {
	c := &Call{Ctx: ctx, Server: s, Caller: &Caller{}}
	return s.update(ctx, c, func(store.Tx) error { return fn(c) })
}

// View runs fn with a read-only Call.
func (s *Server) View(fn func(c *Call) error) error {
	return s.store.View(func(r store.Reader) error {
		return fn(&Call{Ctx: context.Background(), Server: s, R: r})
	})
}

func checkPreconditions(r *http.Request, existing []byte, exists bool) error {
	if im := r.Header.Get("If-Match"); im != "" {
		if !exists || (im != "*" && !etagMatches(im, docETag(existing))) {
			return azerr.New(http.StatusPreconditionFailed, "PreconditionFailed", "If-Match", "The condition specified using HTTP conditional header(s) is not met: If-Match %s does not match the current ETag.", im)
		}
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" && exists {
		if inm == "*" || etagMatches(inm, docETag(existing)) {
			return azerr.New(http.StatusPreconditionFailed, "PreconditionFailed", "If-None-Match", "The condition specified using HTTP conditional header(s) is not met: the resource already exists with ETag %s.", docETag(existing))
		}
	}
	return nil
}

// etagMatches compares a conditional header (possibly a list, possibly weak)
// with an ETag, ignoring the weak prefix as RFC 9110's weak comparison does.
func etagMatches(header, etag string) bool {
	if etag == "" {
		return false
	}
	norm := func(s string) string { return strings.TrimPrefix(strings.TrimSpace(s), "W/") }
	for _, h := range strings.Split(header, ",") {
		if strings.TrimSpace(h) == "*" || norm(h) == norm(etag) {
			return true
		}
	}
	return false
}

// docETag reads the top-level etag of a stored document.
func docETag(raw []byte) string {
	var doc struct {
		ETag string `json:"etag"`
	}
	_ = json.Unmarshal(raw, &doc)
	return doc.ETag
}

func docLocation(raw []byte) string {
	var doc struct {
		Location string `json:"location"`
	}
	_ = json.Unmarshal(raw, &doc)
	return doc.Location
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

// SetAuthorizer sets the authorizer; it must be called before serving.
func (s *Server) SetAuthorizer(a Authorizer) { s.authz = a }

// finalDoc reads the committed document of id, which deferred renders may
// have refreshed after the kind's hook returned.
func (s *Server) finalDoc(id string) []byte {
	var out []byte
	_ = s.store.View(func(r store.Reader) error {
		if v, ok := r.Get(KeyOf(id)); ok {
			out = append([]byte(nil), v...)
		}
		return nil
	})
	return out
}
