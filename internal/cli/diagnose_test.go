package cli_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/cli/clitest"
)

// TestDiagnoseCommands drives the diagnosis commands against the article's
// 3-node cluster: the effective routes of a node's NIC, Network Watcher's
// next hop (creating the regional watcher as Azure does), the packet trace,
// and the planner on the live cluster.
func TestDiagnoseCommands(t *testing.T) {
	a := clitest.New(t)
	a.SSHKeys()
	subnet := a.Network("myResourceGroup", "myAKSSubnet=192.168.1.0/24")["myAKSSubnet"]
	a.OK("aks", "create", "-g", "myResourceGroup", "-n", "myAKSCluster", "--network-plugin", "kubenet", "--service-cidr", "10.0.0.0/16",
		"--dns-service-ip", "10.0.0.10", "--pod-cidr", "10.244.0.0/16", "--vnet-subnet-id", subnet, "--generate-ssh-keys", "-o", "none")
	const mc = "MC_myResourceGroup_myAKSCluster_eastus"
	// The nodes are the scale set's instances; their NICs are the
	// instances' (network nic list -g MC_… shows none, as on Azure).
	vmss := strings.TrimSpace(a.OK("vmss", "list", "-g", mc, "--query", "[0].name", "-o", "tsv"))
	nodes := strings.Fields(a.OK("vmss", "list-instances", "-g", mc, "-n", vmss, "--query", "sort([].osProfile.computerName)", "-o", "tsv"))
	nicIDs := strings.Fields(a.OK("vmss", "nic", "list", "-g", mc, "--vmss-name", vmss, "--query", "[].id", "-o", "tsv"))
	if len(nodes) != 3 || len(nicIDs) != 3 {
		t.Fatalf("nodes %q, NICs %q", nodes, nicIDs)
	}
	a.Want("0\n", "network", "nic", "list", "-g", mc, "--query", "length(@)")
	n0, n1 := nodes[0], nodes[1]
	nic0 := nicIDs[0]

	t.Run("EffectiveRouteTable", func(t *testing.T) {
		table := a.OK("network", "nic", "show-effective-route-table", "--ids", nic0, "-o", "table")
		lines := strings.Split(strings.TrimRight(table, "\n"), "\n")
		want := []string{
			"Source    State    Address Prefix    Next Hop Type     Next Hop IP",
			"--------  -------  ----------------  ----------------  -------------",
			"Default   Active   0.0.0.0/0         Internet",
			"Default   Active   10.0.0.0/8        None",
			"Default   Active   100.64.0.0/10     None",
			"Default   Active   172.16.0.0/12     None",
			"Default   Active   192.168.0.0/16    VnetLocal",
			"User      Active   10.244.0.0/24     VirtualAppliance  192.168.1.4",
			"User      Active   10.244.1.0/24     VirtualAppliance  192.168.1.5",
			"User      Active   10.244.2.0/24     VirtualAppliance  192.168.1.6",
		}
		if strings.Join(lines, "\n") != strings.Join(want, "\n") {
			t.Errorf("table:\n%s\nwant:\n%s", table, strings.Join(want, "\n"))
		}
		var res struct {
			NextLink *string          `json:"nextLink"`
			Value    []map[string]any `json:"value"`
		}
		out := a.OK("network", "nic", "show-effective-route-table", "--ids", nic0)
		if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Value) != 8 || !strings.Contains(out, `"nextLink": null`) {
			t.Fatalf("json output (%v):\n%s", err, out)
		}
		last := res.Value[7]
		if last["name"] != nodes[2]+"____102442024" || last["source"] != "User" || last["state"] != "Active" {
			t.Errorf("last route %v", last)
		}
		_, errs, code := a.Run("network", "nic", "show-effective-route-table", "-g", mc)
		if code != 1 || !strings.Contains(errs, "(-n | --ids) are required") {
			t.Errorf("missing -n: exit %d %q", code, errs)
		}
	})

	t.Run("ShowNextHop", func(t *testing.T) {
		if got := a.OK("network", "watcher", "list", "--query", "length(@)"); got != "0\n" {
			t.Fatalf("watchers before: %q", got)
		}
		var hop map[string]any
		out := a.OK("network", "watcher", "show-next-hop", "-g", mc, "--vm", n0, "--source-ip", "192.168.1.4", "--dest-ip", "10.244.1.5")
		if err := json.Unmarshal([]byte(out), &hop); err != nil {
			t.Fatal(err)
		}
		if hop["nextHopType"] != "VirtualAppliance" || hop["nextHopIpAddress"] != "192.168.1.5" || !strings.HasSuffix(hop["routeTableId"].(string), "-routetable") {
			t.Errorf("next hop %v", hop)
		}
		// The regional watcher now exists, where Azure keeps it.
		a.Want("NetworkWatcher_eastus\tNetworkWatcherRG\teastus\n", "network", "watcher", "list", "--query", "[].[name, resourceGroup, location]", "-o", "tsv")
		// A node name in the cluster's resource group, and the other types.
		for _, c := range []struct{ dst, want string }{
			{"8.8.8.8", "Internet None System Route"},
			{"192.168.1.6", "VnetLocal None System Route"},
			{"10.99.0.1", "None None System Route"},
		} {
			got := a.OK("network", "watcher", "show-next-hop", "-g", "myResourceGroup", "--vm", n1, "--source-ip", "192.168.1.5", "--dest-ip", c.dst,
				"--query", "join(' ', [nextHopType, nextHopIpAddress || 'None', routeTableId])", "-o", "tsv")
			if got != c.want+"\n" {
				t.Errorf("next hop to %s: %q, want %q", c.dst, got, c.want)
			}
		}
		a.Want("1\n", "network", "watcher", "list", "--query", "length(@)")
		_, errs, code := a.Run("network", "watcher", "show-next-hop", "-g", mc, "--vm", n0, "--source-ip", "192.168.1.4")
		if code != 2 || !strings.Contains(errs, "the following arguments are required: --dest-ip") {
			t.Errorf("missing --dest-ip: exit %d %q", code, errs)
		}
	})

	t.Run("Trace", func(t *testing.T) {
		out := a.OK("aks", "trace", "-g", "myResourceGroup", "-n", "myAKSCluster", "--from", "10.244.0.7", "--to", "10.244.1.5:8080")
		for _, want := range []string{
			"Tcp pod 10.244.0.7 (on " + n0 + ") → pod 10.244.1.5:8080 (on " + n1 + ")",
			"masquerade         no masquerade inside cluster pod CIDR 10.244.0.0/16",
			"route              aks-agentpool-",
			n1 + "____102441024 10.244.1.0/24 (User)",
			"Outcome: Delivered (source 10.244.0.7)",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("trace table lacks %q:\n%s", want, out)
			}
		}
		var ans struct {
			Outcome          string `json:"outcome"`
			TranslatedSource string `json:"translatedSource"`
			Hops             []struct{ Step, Decision string }
		}
		js := a.OK("aks", "trace", "-g", "myResourceGroup", "-n", "myAKSCluster", "--from", n0, "--to", "203.0.113.10:80", "-o", "json")
		if err := json.Unmarshal([]byte(js), &ans); err != nil {
			t.Fatal(err)
		}
		if ans.Outcome != "Internet" || !strings.HasPrefix(ans.TranslatedSource, "198.51.100.") || ans.Hops[len(ans.Hops)-1].Step != "snat" {
			t.Errorf("trace to the internet: %+v", ans)
		}
		_, errs, code := a.Run("aks", "trace", "-g", "myResourceGroup", "-n", "myAKSCluster", "--from", "nope", "--to", "10.244.1.5")
		if code != 3 || !strings.Contains(errs, "(NotFound)") {
			t.Errorf("unknown source: exit %d %q", code, errs)
		}
		_, errs, code = a.Run("aks", "trace", "-g", "myResourceGroup", "-n", "myAKSCluster", "--from", n0, "--to", "10.244.1.5", "--verify")
		if code != 1 || !strings.Contains(errs, "is the server running --dataplane netns") {
			t.Errorf("--verify: exit %d %q", code, errs)
		}
	})

	t.Run("PlanFromCluster", func(t *testing.T) {
		var rep struct {
			Cluster      string   `json:"cluster"`
			MaxNodes     int      `json:"maxNodes"`
			MaxPods      int      `json:"maxPods"`
			NodeCount    int      `json:"nodeCount"`
			SubnetPrefix string   `json:"subnetPrefix"`
			VNetPrefixes []string `json:"vnetPrefixes"`
			IPs          struct{ Used, Free int }
			Findings     []struct{ Code string }
			Valid        bool `json:"valid"`
		}
		out := a.OK("plan", "--from-cluster", "-g", "myResourceGroup", "-n", "myAKSCluster", "-o", "json")
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(rep.Cluster, "/managedClusters/myAKSCluster") || rep.MaxNodes != 251 || rep.MaxPods != 27610 || rep.NodeCount != 3 ||
			rep.SubnetPrefix != "192.168.1.0/24" || strings.Join(rep.VNetPrefixes, ",") != "192.168.0.0/16" || rep.IPs.Used != 3 || rep.IPs.Free != 248 || !rep.Valid {
			t.Errorf("plan of the live cluster: %+v", rep)
		}
		// What is in use on-premises is the caller's to say.
		_, _, code := a.Run("plan", "--from-cluster", "-g", "myResourceGroup", "-n", "myAKSCluster", "--avoid", "10.244.0.0/16", "-o", "none")
		if code != 0 {
			t.Errorf("--avoid with --from-cluster: exit %d", code)
		}
		svg := a.OK("plan", "--from-cluster", "-g", "myResourceGroup", "-n", "myAKSCluster", "-o", "svg")
		_, texts := clitest.SVGLabels(t, svg)
		all := strings.Join(texts, "\n")
		for _, want := range []string{"aksnet plan: cluster myAKSCluster", "subnets: myAKSSubnet 192.168.1.0/24 (nodes)",
			"node IPs: 192.168.1.4, 192.168.1.5, 192.168.1.6", "pod CIDR blocks in use: 10.244.0.0/24, 10.244.1.0/24, 10.244.2.0/24", "DNS 10.0.0.10"} {
			if !strings.Contains(all, want) {
				t.Errorf("SVG of the live cluster lacks %q", want)
			}
		}
		_, errs, code := a.Run("plan", "--from-cluster", "-g", "myResourceGroup", "-n", "nope")
		if code != 3 || !strings.Contains(errs, "ResourceNotFound") {
			t.Errorf("missing cluster: exit %d %q", code, errs)
		}
	})
}
