package arm

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// TestCall_DecodeExisting: the stored document decodes into v; one that
// does not decode is an error naming the resource and wrapping the decode
// error, so that a damaged record is reported, never used half-read.
func TestCall_DecodeExisting(t *testing.T) {
	const id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/routeTables/rt"
	type doc struct {
		Name       string `json:"name"`
		Properties struct {
			DisableBgpRoutePropagation bool `json:"disableBgpRoutePropagation"`
		} `json:"properties"`
	}
	var good doc
	c := &Call{ID: id, Existing: []byte(`{"name":"rt","properties":{"disableBgpRoutePropagation":true}}`)}
	if err := c.DecodeExisting(&good); err != nil || good.Name != "rt" || !good.Properties.DisableBgpRoutePropagation {
		t.Fatalf("DecodeExisting = %+v, %v", good, err)
	}
	for name, raw := range map[string]string{
		"wrong type": `{"name":5}`,
		"truncated":  `{"name":"rt","prop`,
		"not json":   "\x00\x01",
	} {
		var d doc
		err := (&Call{ID: id, Existing: []byte(raw)}).DecodeExisting(&d)
		if err == nil || !strings.Contains(err.Error(), id) {
			t.Errorf("%s: error %v, want one naming %s", name, err, id)
		}
		var typeErr *json.UnmarshalTypeError
		var syntaxErr *json.SyntaxError
		if !errors.As(err, &typeErr) && !errors.As(err, &syntaxErr) {
			t.Errorf("%s: error %v does not wrap the decode error", name, err)
		}
	}
}

// TestCall_Once: work under a key runs once however often it is asked for
// while queued; asked for again after it has run (a child rendered after
// its parent), it runs again, so the last run sees the final state.
func TestCall_Once(t *testing.T) {
	c := &Call{deferred: &deferredWork{pending: map[string]bool{}}}
	var runs []string
	parent := func() error { runs = append(runs, "parent"); return nil }
	child := func() error {
		runs = append(runs, "child")
		return c.Once("parent", parent)
	}
	for _, step := range []struct {
		key string
		fn  func() error
	}{
		{"parent", parent}, {"child", child}, {"parent", parent}, {"child", child},
	} {
		if err := c.Once(step.key, step.fn); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.runDeferred(); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(runs, ","), "parent,child,parent"; got != want {
		t.Errorf("ran %s, want %s", got, want)
	}
	// An error stops the work and is returned.
	boom := errors.New("boom")
	_ = c.Once("x", func() error { return boom })
	if err := c.runDeferred(); !errors.Is(err, boom) {
		t.Errorf("runDeferred = %v, want %v", err, boom)
	}
	// Outside a write transaction the work runs at once.
	ran := false
	if err := (&Call{}).Once("k", func() error { ran = true; return nil }); err != nil || !ran {
		t.Errorf("Once without a transaction: ran %v, err %v", ran, err)
	}
}

// TestCall_EffectsShared: a sub-call (a cascade's delete, made as a copy of
// its caller) and its caller report to one list of changed ids and
// after-commit hooks, even when the sub-call's deferred work runs after
// the caller has gone on: with a copied slice, that work once overwrote the
// caller's later entries (a deleted cluster's id, so its control plane was
// never removed).
func TestCall_EffectsShared(t *testing.T) {
	c := &Call{fx: &effects{}}
	sub := *c
	sub.effects().changed = append(sub.effects().changed, "nic")
	c.effects().changed = append(c.effects().changed, "cluster")
	stale := &sub // as a closure queued with Once holds it
	stale.effects().changed = append(stale.effects().changed, "subnet")
	stale.AfterCommit(func() {})
	if got := strings.Join(c.effects().changed, ","); got != "nic,cluster,subnet" {
		t.Errorf("changed = %s, want nic,cluster,subnet", got)
	}
	if len(c.effects().after) != 1 {
		t.Errorf("%d after-commit hooks, want 1", len(c.effects().after))
	}
}
