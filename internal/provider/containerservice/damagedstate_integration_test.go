package containerservice_test

import (
	"net/http"
	"strings"
	"testing"
)

// A cluster whose stored state does not decode is not deleted as though it
// had none, which would leave its nodes, NICs and routes behind: the delete
// fails as an internal error and the cluster stays.
func TestDeleteCluster_DamagedStateFails(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	n, l := h.articleCluster(t, 1)
	repair := h.Damage("cs/"+strings.ToLower(*l.Cluster.ID), []byte(`{"pools":"not a list"}`))
	// Put the state back, so that the shared plane's controllers and the
	// cleanup see a sound cluster.
	t.Cleanup(func() { repair() })

	r := h.Do(http.MethodDelete, *l.Cluster.ID+"?api-version=2024-05-01", nil)
	if r.Status != http.StatusInternalServerError || !strings.Contains(string(r.Body), "InternalServerError") {
		t.Errorf("delete of a cluster with damaged state: %d %s, want 500 InternalServerError", r.Status, r.Body)
	}
	if got := h.clusterStatus(n.rg, "c"); got != http.StatusOK {
		t.Errorf("cluster after the refused delete: GET %d, want 200", got)
	}
}
