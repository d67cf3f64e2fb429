package armtest

import (
	"context"
	"net/http"
	"os"
	"sync"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
)

func TestMain(m *testing.M) {
	code := m.Run()
	StopPlanes()
	os.Exit(code)
}

// newHarness signs in as the admin principal of the shared control plane.
func newHarness(t testing.TB) *Harness {
	t.Helper()
	e := Plane(t, "default", Options{})
	return NewHarness(t, e, e.Credential(t))
}

// parallelRG marks t parallel (the shared plane serves every test at once)
// and returns the plane's admin harness and t's own resource group in it.
func parallelRG(t *testing.T) (*Harness, string) {
	t.Helper()
	t.Parallel()
	h := newHarness(t)
	return h, h.NewRG()
}

// ownHarness starts a control plane with opts for this test alone.
func ownHarness(t testing.TB, opts Options) *Harness {
	t.Helper()
	e := Start(t, opts)
	t.Cleanup(func() { StopQuickly(e) }) // runs before Start's own cleanup
	return NewHarness(t, e, e.Credential(t))
}

// want is an expected ARM error (errors.go).
type want = WantError

// wantSDKErr checks that err is the ARM error w.
func wantSDKErr(t testing.TB, err error, w want) {
	t.Helper()
	w.CheckSDK(t, err)
}

// captured returns a context that captures the HTTP response of an SDK call.
func captured(ctx context.Context) (context.Context, **http.Response) {
	var resp *http.Response
	return policy.WithCaptureResponse(ctx, &resp), &resp
}

// answered checks an SDK call made with a context from captured: it fails t
// when the call failed (err), and reports it when the call's first answer
// had another status than want.
func answered(t testing.TB, what string, resp **http.Response, err error, want int) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if got := (*resp).StatusCode; got != want {
		t.Errorf("%s answered %d, want %d", what, got, want)
	}
}

// untilDone runs p to its end with the SDK's own PollUntilDone, failing t
// on an error.
func untilDone[T any](t testing.TB, ctx context.Context, p *runtime.Poller[T]) T {
	t.Helper()
	res, err := p.PollUntilDone(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func names[T any](items []*T, name func(*T) *string) []string {
	var out []string
	for _, it := range items {
		if n := name(it); n != nil {
			out = append(out, *n)
		}
	}
	return out
}

// tableAndNSG creates an empty route table and NSG in rg, for subnets to
// link to.
func (h *Harness) tableAndNSG(rg, table, nsg string) (armnetwork.RouteTable, armnetwork.SecurityGroup) {
	h.T.Helper()
	rt, err := h.PutRouteTable(rg, table, armnetwork.RouteTable{})
	if err != nil {
		h.T.Fatalf("create route table %s: %v", table, err)
	}
	g, err := h.PutNSG(rg, nsg, armnetwork.SecurityGroup{})
	if err != nil {
		h.T.Fatalf("create NSG %s: %v", nsg, err)
	}
	return rt, g
}

// nsgWithRule creates NSG nsg1 in rg with one inbound rule, name, at
// priority prio.
func (h *Harness) nsgWithRule(rg, name string, prio int32) armnetwork.SecurityGroup {
	h.T.Helper()
	g, err := h.PutNSG(rg, "nsg1", armnetwork.SecurityGroup{Properties: &armnetwork.SecurityGroupPropertiesFormat{
		SecurityRules: []*armnetwork.SecurityRule{{Name: to.Ptr(name), Properties: rule(prio, armnetwork.SecurityRuleDirectionInbound)}},
	}})
	if err != nil {
		h.T.Fatalf("create NSG nsg1: %v", err)
	}
	return g
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// uniqueRG returns a resource group name no other test uses (RGName); it is
// the same on every call in one test, and differs between runs of one test
// (go test -count=N), since the shared plane outlives a run.
func uniqueRG(t testing.TB) string {
	testRGsMu.Lock()
	defer testRGsMu.Unlock()
	if n, ok := testRGs[t]; ok {
		return n
	}
	n := RGName(t)
	testRGs[t] = n
	t.Cleanup(func() {
		testRGsMu.Lock()
		delete(testRGs, t)
		testRGsMu.Unlock()
	})
	return n
}

var (
	testRGsMu sync.Mutex
	testRGs   = map[testing.TB]string{}
)

// NewRG creates the test's own resource group and returns its name.
func (h *Harness) NewRG() string {
	h.T.Helper()
	n := uniqueRG(h.T)
	h.MkRG(n)
	return n
}
