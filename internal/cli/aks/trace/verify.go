package trace

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aksnet/aksnet/internal/cli/client"
	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/dataplane/nsprobe"
	"github.com/aksnet/aksnet/internal/fabric"
)

// traceProbeTimeout bounds the real probe of `aks trace --verify`: long
// enough for a cross-node round trip in the netns data plane (microseconds)
// with ample margin, short enough to call a dropped packet dropped.
const traceProbeTimeout = 2 * time.Second

// probeResult is what a real probe saw.
type probeResult struct {
	// Probe says what was sent, from which namespace.
	Probe string `json:"probe"`
	// Reached is true when the destination answered (an echo reply, a DNS
	// answer, or a TCP reset from a host without a listener).
	Reached bool `json:"reached"`
	// Refused is true when the connection was refused (a TCP reset or an
	// ICMP port unreachable): by a host without a listener, or by a node's
	// service rules for a port without endpoints.
	Refused bool `json:"refused,omitempty"`
	// SeenSource is the source address the destination saw, when it says
	// (the HTTP echo does).
	SeenSource string `json:"seenSource,omitempty"`
	// Pod is the echo's pod name, when it says.
	Pod string `json:"pod,omitempty"`
	// Detail is the probe's outcome in words.
	Detail string `json:"detail"`
}

// verification compares a trace's prediction with a probe.
type verification struct {
	probeResult
	Match   bool   `json:"match"`
	Verdict string `json:"verdict"`
}

// compareProbe decides whether a probe agrees with the trace: a packet
// predicted Delivered or Internet must reach its destination, one predicted
// Dropped or Blackholed must not, one predicted Refused must be refused;
// when the destination reports the source it saw, that must be the
// predicted translated source.
func compareProbe(outcome, translatedSource string, p probeResult) verification {
	v := verification{probeResult: p}
	predicted := outcome == fabric.OutcomeDelivered || outcome == fabric.OutcomeInternet
	switch {
	case outcome == fabric.OutcomeRefused && p.Refused:
		v.Match, v.Verdict = true, "verified: "+p.Detail+", as predicted (Refused)"
	case outcome == fabric.OutcomeRefused:
		v.Verdict = fmt.Sprintf("MISMATCH: the trace predicts Refused, but the probe was not refused (%s)", p.Detail)
	case predicted && !p.Reached:
		v.Verdict = fmt.Sprintf("MISMATCH: the trace predicts %s, but the probe did not get through (%s)", outcome, p.Detail)
	case !predicted && p.Reached:
		v.Verdict = fmt.Sprintf("MISMATCH: the trace predicts %s, but the probe got through (%s)", outcome, p.Detail)
	case p.Reached && p.SeenSource != "" && translatedSource != "" && p.SeenSource != translatedSource:
		v.Verdict = fmt.Sprintf("MISMATCH: the trace predicts source %s at the destination, but it saw %s", translatedSource, p.SeenSource)
	case p.Reached && p.SeenSource != "":
		v.Match, v.Verdict = true, fmt.Sprintf("verified: %s, and the destination saw source %s, as predicted", p.Detail, p.SeenSource)
	case p.Reached:
		v.Match, v.Verdict = true, "verified: "+p.Detail+", as predicted"
	default:
		v.Match, v.Verdict = true, fmt.Sprintf("verified: %s, as predicted (%s)", p.Detail, outcome)
	}
	return v
}

// tracePod is a pod as --verify needs it.
type tracePod = client.Pod

// verifyTrace sends the traced packet for real from the source's network
// namespace (the netns data plane must be on, and the command must run as
// root) and compares the outcome with the trace's prediction.
func verifyTrace(e *command.Env, rg, cluster string, a client.TraceAnswer, protocol string) (verification, error) {
	pods, err := e.Client.ClusterPods(rg, cluster)
	if err != nil {
		return verification{}, err
	}
	netns, err := sourceNetns(a, pods)
	if err != nil {
		return verification{}, err
	}
	if _, err := os.Stat(netns); err != nil {
		return verification{}, fmt.Errorf("--verify: the source's network namespace %s is not there (%v): is the server running --dataplane netns on this machine?", netns, err)
	}
	p, err := probe(netns, a.To.IP, a.To.Port, protocol)
	if err != nil {
		return verification{}, err
	}
	return compareProbe(a.Outcome, a.TranslatedSource, p), nil
}

// sourceNetns finds the network namespace the trace's source sends from: a
// pod's own (or its node's, for a host-network pod), or a node's, named
// after the namespaces of the cluster's pods.
func sourceNetns(a client.TraceAnswer, pods []tracePod) (string, error) {
	noDataplane := errors.New("--verify needs the netns data plane: the cluster's pods have no network namespace (start the server with aksnet serve --dataplane netns)")
	if a.From.Kind == "pod" {
		for _, p := range pods {
			if (a.From.Name != "" && strings.EqualFold(p.Name, a.From.Name)) || (a.From.Name == "" && p.IP == a.From.IP && !p.HostNetwork) {
				if p.Netns == "" {
					return "", noDataplane
				}
				return p.Netns, nil
			}
		}
		return "", fmt.Errorf("--verify: no pod has address %s; run one there (aksnet aks pod run) or trace from a pod by name", a.From.IP)
	}
	// A node: its namespace sits next to the pods', with the data plane's
	// prefix (the pod namespaces show it).
	dir, prefix := nsprobe.NetnsDir, nsprobe.DefaultPrefix
	for _, p := range pods {
		if p.Netns == "" {
			continue
		}
		base := filepath.Base(p.Netns)
		for _, kind := range []string{"pod-", "node-"} {
			if i := strings.Index(base, kind); i > 0 {
				dir, prefix = filepath.Dir(p.Netns), base[:i]
				break
			}
		}
		break
	}
	return filepath.Join(dir, nsprobe.NodeName(prefix, a.From.Node)), nil
}

// probe sends one real packet: an HTTP request to the echo for TCP, a DNS
// query for UDP port 53.
func probe(netns, ip string, port int, protocol string) (probeResult, error) {
	ctx, cancel := context.WithTimeout(context.Background(), traceProbeTimeout)
	defer cancel()
	addr := net.JoinHostPort(ip, strconv.Itoa(port))
	switch {
	case strings.EqualFold(protocol, fabric.ProtocolTcp) || protocol == "":
		if port == 0 {
			return probeResult{}, errors.New("--verify: give the destination port (--to IP:PORT); pods echo on 8080, the internet host on 80")
		}
		r := probeResult{Probe: "HTTP GET " + addr + " from " + netns}
		rep, err := nsprobe.Echo(ctx, netns, addr)
		switch {
		case err == nil:
			r.Reached, r.SeenSource, r.Pod = true, rep.Client, rep.Pod
			r.Detail = "the echo of " + rep.Pod + " answered"
			if rep.Pod == "" {
				r.Detail = "the echo at " + addr + " answered"
			}
		case errors.Is(err, syscall.ECONNREFUSED):
			r.Reached, r.Refused, r.Detail = true, true, addr+" refused the connection"
		default:
			r.Detail = "no answer: " + err.Error()
		}
		return r, nil
	case strings.EqualFold(protocol, fabric.ProtocolUdp) && port == 53:
		r := probeResult{Probe: "DNS query for kubernetes.default.svc.cluster.local to " + addr + " from " + netns}
		ips, err := nsprobe.LookupIn(ctx, netns, addr, "kubernetes.default.svc.cluster.local")
		if err != nil {
			r.Detail = "no answer: " + err.Error()
			return r, nil
		}
		r.Reached, r.Detail = true, fmt.Sprintf("the DNS server answered %v", ips)
		return r, nil
	}
	return probeResult{}, fmt.Errorf("--verify probes TCP (to an echo) and UDP port 53 (DNS); not %s port %d", protocol, port)
}
