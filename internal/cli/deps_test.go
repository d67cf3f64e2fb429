package cli

import (
	"os/exec"
	"strings"
	"testing"
)

// TestCLILinksNoServer keeps the aksnet binary lean: none of the server's
// packages, nor the heavy libraries only the server needs, may be linked into
// cmd/aksnet (see the package doc for why).
func TestCLILinksNoServer(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/aksnet/aksnet/cmd/aksnet").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	forbidden := []string{
		"github.com/aksnet/aksnet/internal/controlplane",
		"github.com/aksnet/aksnet/internal/daemon",
		"github.com/aksnet/aksnet/internal/arm",
		"github.com/aksnet/aksnet/internal/store",
		"github.com/aksnet/aksnet/internal/provider/",
		"github.com/aksnet/aksnet/internal/dataplane",
		"github.com/Azure/azure-sdk-for-go/",
		"go.etcd.io/bbolt",
		"github.com/vishvananda/netlink",
		"github.com/google/nftables",
		"github.com/miekg/dns",
		"github.com/prometheus/",
		"google.golang.org/protobuf/",
		"golang.org/x/crypto/ssh",
		"encoding/xml",
	}
	deps := strings.Fields(string(out))
	if len(deps) < 50 {
		t.Fatalf("go list -deps printed %d packages, want the whole graph:\n%s", len(deps), out)
	}
	for _, d := range deps {
		for _, f := range forbidden {
			// internal/dataplane/nsprobe is the lean part meant for clients.
			if strings.HasPrefix(d, f) && !strings.HasPrefix(d, "github.com/aksnet/aksnet/internal/dataplane/nsprobe") {
				t.Errorf("cmd/aksnet links %s (matches %s)", d, f)
			}
		}
	}
}
