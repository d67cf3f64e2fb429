package group_test

import (
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/cli/client"
	"github.com/aksnet/aksnet/internal/cli/clitest"
)

// TestGroupDeleteBlockedFails: a group delete that ARM accepts (202,
// Location only) and then fails must fail the command, as az's poller
// does, with ARM's ResourceGroupDeletionBlocked; once the blocker is gone
// the same command deletes the group.
func TestGroupDeleteBlockedFails(t *testing.T) {
	a := clitest.New(t)
	subnet := a.Network("netrg", "nodes=192.168.1.0/24")["nodes"]
	a.Put(a.RGID("nicrg"), client.APIResources, map[string]any{"location": "eastus"})
	nic := a.RGID("nicrg") + "/providers/Microsoft.Network/networkInterfaces/nic1"
	a.Put(nic, client.APINetwork, map[string]any{"location": "eastus", "properties": map[string]any{
		"ipConfigurations": []any{map[string]any{"name": "ipconfig1", "properties": map[string]any{
			"subnet": map[string]any{"id": subnet}, "privateIPAllocationMethod": "Dynamic"}}}}})

	errs := a.Fails(1, "group", "delete", "-n", "netrg", "--yes")
	for _, want := range []string{"(ResourceGroupDeletionBlocked)", "Microsoft.Network/virtualNetworks/myAKSVnet", "InUseSubnetCannotBeDeleted"} {
		if !strings.Contains(errs, want) {
			t.Errorf("group delete stderr lacks %q:\n%s", want, errs)
		}
	}
	a.Want("true\n", "group", "exists", "-n", "netrg")

	a.OK("group", "delete", "-n", "nicrg", "--yes")
	a.Want("", "group", "delete", "-n", "netrg", "--yes")
	a.Want("false\n", "group", "exists", "-n", "netrg")
}
