// Package privtest holds the one gate every privileged (real-kernel) test
// calls first.
package privtest

import (
	"testing"

	"github.com/aksnet/aksnet/internal/dataplane/caps"
)

// RequireRoot skips t unless the process may create network namespaces,
// links and nftables tables: root with CAP_NET_ADMIN and CAP_SYS_ADMIN.
func RequireRoot(t testing.TB) {
	t.Helper()
	if err := caps.Check(); err != nil {
		t.Skipf("skipping privileged data-plane test: %v", err)
	}
}
