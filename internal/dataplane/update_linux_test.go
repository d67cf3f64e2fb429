//go:build linux

package dataplane

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// TestIntegrationLinux_UpdateRepairsNamespacesRemovedByHand: Update lists
// the namespaces it holds handles to by name alone, so these are the cases
// that must still heal: a pod namespace deleted as `ip netns del` does is
// back, serving, after the next Update; a node namespace unbound by hand
// (its file left behind) is back within its resync turn, and its pods reach
// the other node again.
func TestIntegrationLinux_UpdateRepairsNamespacesRemovedByHand(t *testing.T) {
	ctx := context.Background()
	const spread = 3
	l := newLinux(t)
	l.spread = spread
	d := fixture{nodes: 2, skipNode: -1, noDNS: true, pods: []Pod{
		{Name: "pod-a", Node: nodeName(0), IP: podIP(0, 2)},
		{Name: "pod-b", Node: nodeName(1), IP: podIP(1, 2)},
	}}.desired()
	if err := l.Update(ctx, d); err != nil {
		t.Fatal(err)
	}
	n0 := nodeName(0)
	expectEcho(t, "before", echoFrom(l, "pod-a", n0, false, "10.244.1.2:8080"), "pod-b", "10.244.0.2")

	unbind := func(name string) {
		t.Helper()
		if err := unix.Unmount(filepath.Join(NetnsDir, name), unix.MNT_DETACH); err != nil {
			t.Fatal(err)
		}
	}
	pod := l.names.Pod(testCluster, "pod-b")
	unbind(pod)
	if err := os.Remove(filepath.Join(NetnsDir, pod)); err != nil {
		t.Fatal(err)
	}
	if err := l.Update(ctx, d); err != nil {
		t.Fatalf("the Update after a pod namespace was deleted by hand: %v", err)
	}
	expectEcho(t, "pod namespace deleted by hand, after one Update", echoFrom(l, "pod-a", n0, false, "10.244.1.2:8080"), "pod-b", "10.244.0.2")

	// The node's file stays, unbound: until its resync turn nothing reads
	// it; then the pass that finds it reports it, and the next makes it
	// again, with the veths of its pods.
	node := l.names.Node(nodeName(1))
	unbind(node)
	healed := false
	var errs []error
	for range spread + 2 {
		if err := l.Update(ctx, d); err != nil {
			errs = append(errs, err)
			continue
		}
		var st unix.Statfs_t
		if err := unix.Statfs(filepath.Join(NetnsDir, node), &st); err == nil && st.Type == nsfsMagic && len(errs) > 0 {
			healed = true
			break
		}
	}
	if !healed {
		t.Fatalf("a node namespace unbound by hand was not made again within %d Updates (errors: %v)", spread+2, errors.Join(errs...))
	}
	for _, err := range errs {
		if !errors.Is(err, errUnbound) {
			t.Errorf("a pass failed for another reason than the unbound namespace: %v", err)
		}
	}
	expectEcho(t, fmt.Sprintf("node namespace unbound by hand, after %d Updates", len(errs)+1),
		echoFrom(l, "pod-a", n0, false, "10.244.1.2:8080"), "pod-b", "10.244.0.2")
}
