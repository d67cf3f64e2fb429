package arm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
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

	budget remaining // the x-ms-ratelimit-remaining-… counts
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
	s.budget.take(w, r, start)
	kindName = s.serve(w, r)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) string {
	if pp, ok := parseProviderPath(r.URL.Path); ok {
		s.serveProviders(w, r, pp)
		return "Microsoft.Resources/providers"
	}
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
		if err := s.checkVersion(r, p, "Microsoft.Resources", "locations", armVersions); err != nil {
			WriteError(w, r, err)
			return "locations"
		}
		s.serveLocations(w, r, caller, p)
		return "locations"
	}
	if isOperationPath(p) {
		if err := s.checkVersion(r, p, p.Namespace, "locations/"+strings.ToLower(p.Types[1]), NamespaceVersions(p.Namespace)); err != nil {
			WriteError(w, r, err)
			return "operations"
		}
		s.serveOperation(w, r, p, caller)
		return "operations"
	}
	if lr, ok := s.reg.locationRead(p); ok {
		if err := s.checkVersion(r, p, lr.Namespace, "locations/"+lr.Type, NamespaceVersions(lr.Namespace)); err != nil {
			WriteError(w, r, err)
			return lr.Namespace + "/locations/" + lr.Type
		}
		s.serveLocationRead(w, r, caller, p, lr)
		return lr.Namespace + "/locations/" + lr.Type
	}
	rt, err := s.resolve(r, p)
	if err != nil {
		WriteError(w, r, err)
		return ""
	}
	if err := s.checkVersion(r, p, rt.kind.ns, rt.kind.ShortType(), rt.kind.APIVersionList()); err != nil {
		WriteError(w, r, err)
		return rt.kind.Type
	}
	if p.Subscription != "" && !(rt.kind.Type == subscriptionType && r.Method == http.MethodPut) {
		if err := s.requireSubscription(p.Subscription); err != nil {
			WriteError(w, r, err)
			return rt.kind.Type
		}
	}
	if err := s.authz.Authorize(caller, actionFor(r.Method, rt), authScope(rt)); err != nil {
		WriteError(w, r, err)
		return rt.kind.Type
	}
	if err := s.requireRegistered(r, p.Subscription, rt.kind.ns); err != nil {
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
	s.dispatch(w, r, c, rt)
	return rt.kind.Type
}

// checkVersion refuses the request's api-version when the type it
// names, shortType in namespace ns served at versions vs, does not serve
// it (checkTypeVersion). The location in the refusal is the resource
// group's, read only then; "*" outside a group.
func (s *Server) checkVersion(r *http.Request, p ResourceID, ns, shortType string, vs []string) error {
	v := r.URL.Query().Get("api-version")
	if typeServes(v, ns, vs) {
		return nil
	}
	loc := ""
	if p.ResourceGroup != "" {
		_ = s.store.View(func(rd store.Reader) error {
			if raw, ok := rd.Get(KeyOf(ResourceGroupID(p.Subscription, p.ResourceGroup))); ok {
				loc = docLocation(raw)
			}
			return nil
		})
	}
	return checkTypeVersion(v, ns, shortType, vs, loc)
}

// isOperationPath reports whether p names an async operation's status or
// result: {scope}/providers/{ns}/locations/{loc}/operations|operationresults/{id}.
func isOperationPath(p ResourceID) bool {
	return p.Namespace != "" && len(p.Types) >= 2 && strings.EqualFold(p.Types[0], "locations") &&
		(strings.EqualFold(p.Types[1], "operations") || strings.EqualFold(p.Types[1], "operationresults")) && len(p.Names) == 2
}

// authScope is the scope a request is authorized on: the target, or for a
// list the collection's parent.
func authScope(rt route) string {
	scope := strings.TrimRight(rt.path, "/")
	if rt.collection && rt.action == "" {
		scope = strings.TrimRight(rt.parentPath, "/")
	}
	if scope == "" {
		scope = "/"
	}
	return scope
}

// dispatch hands an authorized call to the handler of its method: an
// action, a list, or one resource's GET, HEAD, PUT, PATCH or DELETE.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request, c *Call, rt route) {
	switch {
	case rt.action != "":
		if r.Method != http.MethodPost {
			WriteError(w, r, methodNotAllowed(r))
			break
		}
		if hook, ok := rt.kind.OperationActions[rt.action]; ok {
			s.serveOperationAction(w, r, c, rt, hook)
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
}

func methodNotAllowed(r *http.Request) error {
	return azerr.New(http.StatusMethodNotAllowed, "MethodNotAllowed", "", "The requested method '%s' is not allowed for resource '%s'.", r.Method, r.URL.Path)
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

// SetAuthorizer sets the authorizer; it must be called before serving.
func (s *Server) SetAuthorizer(a Authorizer) { s.authz = a }
