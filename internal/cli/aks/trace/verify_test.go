package trace

import (
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/cli/client"
)

func TestCompareProbe(t *testing.T) {
	for _, c := range []struct {
		name, outcome, src string
		p                  probeResult
		match              bool
		verdict            string
	}{
		{"DeliveredAndReached", "Delivered", "10.244.0.7", probeResult{Reached: true, SeenSource: "10.244.0.7", Detail: "the echo of b answered"}, true, "verified: the echo of b answered, and the destination saw source 10.244.0.7"},
		{"InternetSeesPublicIP", "Internet", "198.51.100.1", probeResult{Reached: true, SeenSource: "198.51.100.1"}, true, "verified"},
		{"WrongSource", "Delivered", "10.244.0.7", probeResult{Reached: true, SeenSource: "192.168.1.4"}, false, "MISMATCH: the trace predicts source 10.244.0.7 at the destination, but it saw 192.168.1.4"},
		{"DeliveredButLost", "Delivered", "10.244.0.7", probeResult{Detail: "no answer: i/o timeout"}, false, "MISMATCH: the trace predicts Delivered, but the probe did not get through (no answer: i/o timeout)"},
		{"DroppedAndLost", "Dropped", "10.244.0.7", probeResult{Detail: "no answer: i/o timeout"}, true, "verified: no answer: i/o timeout, as predicted (Dropped)"},
		{"BlackholedButReached", "Blackholed", "192.168.1.4", probeResult{Reached: true, Detail: "refused"}, false, "MISMATCH: the trace predicts Blackholed, but the probe got through (refused)"},
		{"RefusedCountsAsReached", "Delivered", "192.168.1.4", probeResult{Reached: true, Refused: true, Detail: "refused"}, true, "verified: refused, as predicted"},
		{"RefusedAsPredicted", "Refused", "", probeResult{Reached: true, Refused: true, Detail: "10.0.0.9:80 refused the connection"}, true, "verified: 10.0.0.9:80 refused the connection, as predicted (Refused)"},
		{"RefusedButTimedOut", "Refused", "", probeResult{Detail: "no answer: i/o timeout"}, false, "MISMATCH: the trace predicts Refused, but the probe was not refused (no answer: i/o timeout)"},
		{"RefusedButAnswered", "Refused", "", probeResult{Reached: true, Detail: "the echo of b answered"}, false, "MISMATCH: the trace predicts Refused"},
	} {
		v := compareProbe(c.outcome, c.src, c.p)
		if v.Match != c.match || !strings.HasPrefix(v.Verdict, c.verdict) {
			t.Errorf("%s: match %v %q, want %v %q", c.name, v.Match, v.Verdict, c.match, c.verdict)
		}
	}
}

func TestSourceNetns(t *testing.T) {
	pods := []tracePod{
		{Name: "a", Node: "n0", IP: "10.244.0.2", Netns: "/run/netns/aksnet-i0a1b2c-pod-123456-a"},
		{Name: "h", Node: "n1", IP: "192.168.1.5", HostNetwork: true, Netns: "/run/netns/aksnet-i0a1b2c-node-n1"},
	}
	var a client.TraceAnswer
	a.From.Kind, a.From.IP, a.From.Node = "pod", "10.244.0.2", "n0"
	if got, err := sourceNetns(a, pods); err != nil || got != pods[0].Netns {
		t.Errorf("pod by IP: %q %v", got, err)
	}
	a.From.Name = "h"
	if got, err := sourceNetns(a, pods); err != nil || got != pods[1].Netns {
		t.Errorf("host-network pod by name: %q %v", got, err)
	}
	a.From.Kind, a.From.Name, a.From.Node = "node", "AKS-Node-2", "AKS-Node-2"
	if got, err := sourceNetns(a, pods); err != nil || got != "/run/netns/aksnet-i0a1b2c-node-aks-node-2" {
		t.Errorf("node: %q %v", got, err)
	}
	if got, _ := sourceNetns(a, nil); got != "/run/netns/aksnet-node-aks-node-2" {
		t.Errorf("node without pods: %q", got)
	}
	a.From.Kind, a.From.Name, a.From.IP = "pod", "", "10.244.9.9"
	if _, err := sourceNetns(a, pods); err == nil || !strings.Contains(err.Error(), "no pod has address 10.244.9.9") {
		t.Errorf("unknown pod IP: %v", err)
	}
	if _, err := sourceNetns(a, []tracePod{{Name: "x", IP: "10.244.9.9"}}); err == nil || !strings.Contains(err.Error(), "needs the netns data plane") {
		t.Errorf("pod without netns: %v", err)
	}
}
