// Package caps tells whether the process may run the netns data plane:
// root with CAP_NET_ADMIN (netlink, nftables) and CAP_SYS_ADMIN (mounting
// and entering network namespaces).
package caps

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

const (
	capNetAdmin = 12
	capSysAdmin = 21
)

// Check returns nil when the process has what the data plane needs, and a
// clear error saying what is missing otherwise.
func Check() error {
	if os.Geteuid() != 0 {
		return errors.New("the netns data plane needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN); run as root, or without --dataplane")
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return fmt.Errorf("read capabilities: %w", err)
	}
	for _, c := range []struct {
		bit  uint
		name string
	}{{capNetAdmin, "CAP_NET_ADMIN"}, {capSysAdmin, "CAP_SYS_ADMIN"}} {
		if data[c.bit/32].Effective&(1<<(c.bit%32)) == 0 {
			return fmt.Errorf("the netns data plane needs %s, which this process lacks", c.name)
		}
	}
	return nil
}
