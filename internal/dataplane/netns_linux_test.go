//go:build linux

package dataplane

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestIntegrationLinux_NamespacesDeletableBesideIproute2: `ip netns add`
// makes NetnsDir a shared self-bind mount the first time it runs on a
// machine; namespaces bound before that stay mounted under it too, and a
// plain unmount and unlink then fail with EBUSY and leak them. aksnet binds
// its namespaces the way iproute2 does, so a cluster's namespaces can always
// be deleted, with `ip netns` used beside it before, during and after.
func TestIntegrationLinux_NamespacesDeletableBesideIproute2(t *testing.T) {
	l := newLinux(t)
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("iproute2's ip is not installed")
	}
	ctx := context.Background()
	if err := l.Set(ctx, states()["two-nodes"]); err != nil {
		t.Fatal(err)
	}
	if !sharedMountPoint(t, NetnsDir) {
		t.Fatalf("%s is not a shared mount point of its own after the first namespace", NetnsDir)
	}
	// iproute2 beside aksnet: a namespace of its own, added and deleted.
	probe := l.names.Prefix + "iproute2"
	ip := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %v: %v: %s", args, err, out)
		}
	}
	ip("netns", "add", probe)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", probe).Run() })
	ip("netns", "del", probe)

	// Namespaces made after iproute2 set the directory up are deletable
	// too: a third node and more pods.
	if err := l.Set(ctx, states()["pods"]); err != nil {
		t.Fatal(err)
	}
	ip("netns", "add", probe)
	before, err := listNamedNS(l.names.Prefix)
	if err != nil || len(before) < 4 {
		t.Fatalf("namespaces before cleanup: %v, %v", before, err)
	}
	if err := l.Cleanup(ctx); err != nil {
		t.Fatalf("cleanup beside iproute2: %v", err)
	}
	if left, err := listNamedNS(l.names.Prefix); err != nil || len(left) > 0 {
		t.Fatalf("namespaces left after cleanup: %v, %v", left, err)
	}
	// The pods' resolv.conf files go with their namespaces.
	if etc, _ := filepath.Glob(filepath.Join(EtcNetnsDir, l.names.Prefix+"*")); len(etc) > 0 {
		t.Fatalf("%s entries left after cleanup: %v", EtcNetnsDir, etc)
	}
}

// sharedMountPoint reports whether dir is a mount point with shared
// propagation, from /proc/self/mountinfo.
func sharedMountPoint(t *testing.T, dir string) bool {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		// id parent major:minor root mountpoint options optional-fields... - fs
		f := strings.Fields(line)
		if len(f) < 7 || f[4] != dir {
			continue
		}
		for _, opt := range f[6:] {
			if opt == "-" {
				break
			}
			if strings.HasPrefix(opt, "shared:") {
				return true
			}
		}
	}
	return false
}
