package containerservice_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/arm"
)

// A cluster whose stored state does not decode is not deleted as though it
// had none, which would leave its nodes, NICs and routes behind: the delete
// fails as an internal error and the cluster stays.
func TestDeleteClusterWithDamagedStateFails(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	n, l := h.articleCluster(t, 1)
	key := "cs/" + strings.ToLower(*l.Cluster.ID)
	var saved []byte
	if err := h.Env.Plane.ARM.Update(h.Ctx, func(c *arm.Call) error {
		raw, ok := c.Tx.Get(key)
		if !ok {
			t.Fatalf("no cluster state at %s", key)
		}
		saved = bytes.Clone(raw)
		c.Tx.Put(key, []byte(`{"pools":"not a list"}`))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// Put the state back, so that the shared plane's controllers and the
	// cleanup see a sound cluster.
	t.Cleanup(func() {
		if err := h.Env.Plane.ARM.Update(h.Ctx, func(c *arm.Call) error {
			c.Tx.Put(key, saved)
			return nil
		}); err != nil {
			t.Error(err)
		}
	})

	r := h.Do(http.MethodDelete, *l.Cluster.ID+"?api-version=2024-05-01", nil)
	if r.Status != http.StatusInternalServerError || !strings.Contains(string(r.Body), "InternalServerError") {
		t.Errorf("delete of a cluster with damaged state: %d %s, want 500 InternalServerError", r.Status, r.Body)
	}
	if got := h.clusterStatus(n.rg, "c"); got != http.StatusOK {
		t.Errorf("cluster after the refused delete: GET %d, want 200", got)
	}
}
