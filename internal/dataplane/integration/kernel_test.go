package integration

import (
	"context"
	"errors"
	"fmt"
	"github.com/aksnet/aksnet/internal/dataplane/nsprobe"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/aksnet/aksnet/internal/dataplane"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Hand edits, as a person with `ip` would make them.

// deleteNetns removes a namespace as `ip netns del` does.
func deleteNetns(name string) error {
	path := filepath.Join(dataplane.NetnsDir, name)
	if err := unix.Unmount(path, unix.MNT_DETACH); err != nil {
		return fmt.Errorf("unmount %s: %w", path, err)
	}
	// Once unmounted the namespace is gone; a reconcile pass running now
	// may remove the leftover file first (listNamedNS clears such files).
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// deleteFabricRoute removes every route to prefix from the fabric
// namespace fabricNS.
func deleteFabricRoute(fabricNS, prefix string) error {
	fd, err := netns.GetFromPath(filepath.Join(dataplane.NetnsDir, fabricNS))
	if err != nil {
		return err
	}
	defer fd.Close()
	h, err := netlink.NewHandleAt(fd, unix.NETLINK_ROUTE)
	if err != nil {
		return err
	}
	defer h.Close()
	routes, err := h.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{}, netlink.RT_FILTER_TABLE)
	if err != nil {
		return err
	}
	n := 0
	for _, r := range routes {
		if r.Dst != nil && r.Dst.String() == prefix {
			if err := h.RouteDel(&r); err != nil {
				return err
			}
			n++
		}
	}
	if n == 0 {
		return fmt.Errorf("no route to %s in %s", prefix, fabricNS)
	}
	return nil
}

func inodes(t *testing.T, e *env) map[string]uint64 {
	t.Helper()
	out := map[string]uint64{}
	for _, name := range e.namespaces() {
		var st syscall.Stat_t
		if err := syscall.Stat(filepath.Join(dataplane.NetnsDir, name), &st); err == nil {
			out[name] = st.Ino
		}
	}
	return out
}

// lookup asks the cluster DNS at 10.0.0.10 from inside p's namespace.
func lookup(p pod, name string) ([]netip.Addr, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return nsprobe.LookupIn(ctx, p.Netns, net.JoinHostPort("10.0.0.10", "53"), name)
}
