package authorization

import (
	"errors"
	"sync"
	"testing"

	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/rbac"
)

const (
	testPrincipal = "11111111-1111-4111-8111-111111111111"
	testScope     = "/subscriptions/00000000-0000-4000-8000-000000000000/resourceGroups/rg"
	testAction    = "Microsoft.Network/routeTables/write"
	authzID       = testScope + "/providers/Microsoft.Authorization/roleAssignments/22222222-2222-4222-8222-222222222222"
)

// contributorIf builds an rbac.Authorizer that grants testPrincipal
// Contributor on testScope when granted is true.
func contributorIf(granted bool) *rbac.Authorizer {
	if !granted {
		return rbac.NewAuthorizer(nil, nil)
	}
	role, ok := rbac.BuiltInByName("Contributor")
	if !ok {
		panic("no Contributor role")
	}
	return rbac.NewAuthorizer([]rbac.Assignment{{Scope: testScope, RoleDefinitionID: role.ID, PrincipalID: testPrincipal}}, nil)
}

func allowed(t *testing.T, a *Authorizer) bool {
	t.Helper()
	err := a.Authorize(&arm.Caller{ObjectID: testPrincipal}, testAction, testScope+"/providers/Microsoft.Network/routeTables/rt")
	return err == nil
}

// A request that arrives while another request's rebuild is reading the
// store must not be answered from the snapshot before the write it follows.
func TestAuthorizer_RequestDuringARebuildSeesAcknowledgedWrites(t *testing.T) {
	var (
		mu      sync.Mutex
		granted bool
		builds  int
	)
	entered, release := make(chan struct{}), make(chan struct{})
	a := newAuthorizer(func() (*rbac.Authorizer, error) {
		mu.Lock()
		builds++
		n, g := builds, granted
		mu.Unlock()
		if n == 2 {
			close(entered)
			<-release
		}
		return contributorIf(g), nil
	})
	if allowed(t, a) {
		t.Fatal("allowed before any grant")
	}

	// The grant commits, its watch callback runs, and it is acknowledged.
	mu.Lock()
	granted = true
	mu.Unlock()
	a.changed([]string{authzID})

	// Another request starts the rebuild, which stalls in the store.
	go func() { _ = a.Authorize(&arm.Caller{ObjectID: "someone-else"}, testAction, testScope) }()
	<-entered

	// The granted principal's next request arrives during that rebuild.
	got := make(chan bool)
	go func() { got <- allowed(t, a) }()
	close(release)
	if !<-got {
		t.Error("a request after an acknowledged grant was refused while a rebuild was under way")
	}
}

// A write that commits while a rebuild reads the store is picked up by the
// next request, not lost until some later write.
func TestAuthorizer_WriteDuringARebuildForcesAnother(t *testing.T) {
	var granted bool
	var a *Authorizer
	a = newAuthorizer(func() (*rbac.Authorizer, error) {
		g := granted
		if !g {
			// The grant commits after this read transaction began.
			granted = true
			a.changed([]string{authzID})
		}
		return contributorIf(g), nil
	})
	if allowed(t, a) {
		t.Fatal("the first snapshot predates the grant")
	}
	if !allowed(t, a) {
		t.Error("a grant committed during a rebuild was not seen by the next request")
	}
}

// Writes outside Microsoft.Authorization keep the snapshot.
func TestAuthorizer_OtherWritesKeepTheSnapshot(t *testing.T) {
	builds := 0
	a := newAuthorizer(func() (*rbac.Authorizer, error) { builds++; return contributorIf(true), nil })
	allowed(t, a)
	a.changed([]string{testScope + "/providers/Microsoft.Network/routeTables/rt"})
	allowed(t, a)
	if builds != 1 {
		t.Errorf("%d rebuilds for a network write, want 1", builds)
	}
	a.changed([]string{authzID})
	allowed(t, a)
	if builds != 2 {
		t.Errorf("%d builds after a role assignment write, want 2", builds)
	}
}

// A store that can't be read denies: the error is returned, never a stale
// or empty grant.
func TestAuthorizer_StoreErrorIsReturned(t *testing.T) {
	boom := errors.New("store closed")
	a := newAuthorizer(func() (*rbac.Authorizer, error) { return nil, boom })
	err := a.Authorize(&arm.Caller{ObjectID: testPrincipal}, testAction, testScope)
	if !errors.Is(err, boom) {
		t.Errorf("Authorize = %v, want %v", err, boom)
	}
}

// TestHasAuthorizationProvider: a write under Microsoft.Authorization, in
// any case, invalidates the snapshot; other ids, and a name that merely
// contains the words, do not.
func TestHasAuthorizationProvider(t *testing.T) {
	for id, want := range map[string]bool{
		testScope + "/providers/Microsoft.Authorization/roleAssignments/x":                           true,
		"/subscriptions/s/providers/MICROSOFT.AUTHORIZATION/roleDefinitions/y":                       true,
		"/providers/microsoft.authorization/roleDefinitions/z":                                       true,
		testScope + "/providers/Microsoft.Network/virtualNetworks/v":                                 false,
		testScope + "/providers/Microsoft.Network/virtualNetworks/providers.Microsoft.Authorization": false,
		"": false,
	} {
		if got := hasAuthorizationProvider(id); got != want {
			t.Errorf("hasAuthorizationProvider(%q) = %v, want %v", id, got, want)
		}
	}
}
