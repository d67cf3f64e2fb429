package authorization

import (
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/rbac"
	"github.com/aksnet/aksnet/internal/store"
)

// Authorizer answers arm.Authorizer from a snapshot of the role assignments
// and custom roles, rebuilt when a request finds that a write to
// Microsoft.Authorization was acknowledged after the snapshot was read.
// Requests read the snapshot without locking; only a rebuild takes the mutex.
//
// Every write to Microsoft.Authorization bumps a generation after it commits
// and before it is answered, and a snapshot records the generation it was
// read at. A request that finds its snapshot older than the generation it saw
// rebuilds, or waits for the rebuild under way, so a role granted by an
// acknowledged request holds for every request that follows it — even one
// that arrives while another request's rebuild is still reading the store.
type Authorizer struct {
	build func() (*rbac.Authorizer, error) // reads the store

	mu  sync.Mutex // serialises rebuilds
	gen atomic.Uint64
	cur atomic.Pointer[snapshot]
}

// snapshot is an rbac.Authorizer and the generation it was read at.
type snapshot struct {
	az  *rbac.Authorizer
	gen uint64
}

// NewAuthorizer returns an Authorizer over srv and subscribes it to changes.
func NewAuthorizer(srv *arm.Server) *Authorizer {
	a := newAuthorizer(func() (*rbac.Authorizer, error) { return readAuthorizer(srv.Store()) })
	srv.Watch(a.changed)
	return a
}

func newAuthorizer(build func() (*rbac.Authorizer, error)) *Authorizer {
	a := &Authorizer{build: build}
	a.gen.Store(1) // no snapshot yet: generation 0 is always stale
	return a
}

// changed is the watch callback: it runs after a write commits and before
// the write is answered.
func (a *Authorizer) changed(ids []string) {
	for _, id := range ids {
		if hasAuthorizationProvider(id) {
			a.gen.Add(1)
			return
		}
	}
}

// authorizationProvider is the provider section of every id under
// Microsoft.Authorization.
const authorizationProvider = "/providers/microsoft.authorization/"

// hasAuthorizationProvider reports whether id, in any case, holds
// authorizationProvider. It runs for every id every write changes, so it
// compares in place at each slash instead of lower-casing a copy of id.
func hasAuthorizationProvider(id string) bool {
	for i := 0; i+len(authorizationProvider) <= len(id); i++ {
		if id[i] == '/' && strings.EqualFold(id[i:i+len(authorizationProvider)], authorizationProvider) {
			return true
		}
	}
	return false
}

// current returns a snapshot at least as new as every write acknowledged
// before the call.
func (a *Authorizer) current() (*rbac.Authorizer, error) {
	want := a.gen.Load()
	if s := a.cur.Load(); s != nil && s.gen >= want {
		return s.az, nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if s := a.cur.Load(); s != nil && s.gen >= want {
		return s.az, nil // built while this request waited for the lock
	}
	// Read the generation before the store: a write counted in g committed
	// before the read transaction starts, so the snapshot holds it; one that
	// commits later bumps the generation past g and forces another rebuild.
	g := a.gen.Load()
	az, err := a.build()
	if err != nil {
		return nil, err
	}
	a.cur.Store(&snapshot{az: az, gen: g})
	return az, nil
}

// readAuthorizer builds an rbac.Authorizer from the assignments and custom
// roles in st.
func readAuthorizer(st store.Store) (*rbac.Authorizer, error) {
	var az *rbac.Authorizer
	err := st.View(func(r store.Reader) error {
		// Custom roles are resolved now, so the snapshot never reads a
		// closed transaction.
		customs := map[string]rbac.RoleDefinition{}
		// A custom role that does not decode grants nothing (fails closed)
		// and is logged. Failing the whole snapshot instead would refuse
		// every request, the delete that could remove the role included.
		roles, err := customRoles(r)
		if err != nil {
			slog.Error("authorization: custom roles unreadable, they grant nothing", "err", err)
		}
		for _, d := range roles {
			customs[strings.ToLower(d.Name)] = defOf(d)
		}
		az = rbac.NewAuthorizer(assignments(r), func(guid string) (rbac.RoleDefinition, bool) {
			if d, ok := rbac.BuiltInByID(guid); ok {
				return d, true
			}
			d, ok := customs[strings.ToLower(guid)]
			return d, ok
		})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read role assignments: %w", err)
	}
	return az, nil
}

// Authorize implements arm.Authorizer. Listing subscriptions is open to
// every signed-in principal, as login needs it.
func (a *Authorizer) Authorize(caller *arm.Caller, action, scope string) error {
	if scope == "/" && strings.EqualFold(action, "Microsoft.Resources/subscriptions/read") {
		return nil
	}
	az, err := a.current()
	if err != nil {
		return err
	}
	return az.Check(caller.ObjectID, action, scope)
}
