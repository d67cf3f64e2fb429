package armtest

import (
	"context"
	"net/http"
	"os"
	"sync"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
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

func names[T any](items []*T, name func(*T) *string) []string {
	var out []string
	for _, it := range items {
		if n := name(it); n != nil {
			out = append(out, *n)
		}
	}
	return out
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
