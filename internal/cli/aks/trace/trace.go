// Package trace is aksnet's `aks trace`: the path of one packet through a
// kubenet cluster, as the server computes it, optionally verified by
// sending it for real.
package trace

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/aksnet/aksnet/internal/cli/client"
	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/flags"
	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/spf13/cobra"
)

// NewCommand is aksnet's `aks trace`: the hop-by-hop path of one packet
// from a pod or node of a kubenet cluster, with the table or rule that
// decided each step, computed by the server from the cluster's model (POST
// …/managedClusters/{name}/trace). It needs no root and no data plane.
//
// -o table (the default here) prints the path as a table, with the outcome
// and notes below it; -o json prints the server's answer (with a
// "verification" object under --verify).
func NewCommand(s command.Streams, g *command.Globals) *cobra.Command {
	f := &traceFlags{protocol: "Tcp"}
	cmd := &cobra.Command{
		Use:   "trace",
		Short: "Trace a packet from a pod or node through the node, NSGs and Azure fabric.",
		Long: `Trace a packet from a pod or node of a kubenet cluster, hop by hop: pod → cbr0 →
node; masquerade or not, with the translated source; the NIC's IP-forwarding
check; NSG verdicts with rule name and priority; the fabric's effective route;
then the destination node → cbr0 → pod, the internet, or a blackhole.

--from is a node name, a pod name, or a node or pod IP. --to is IP[:PORT], or
a node or pod name. The path is computed from the cluster's model, so it
works without root and without the data plane.

--verify also sends the packet for real from the source's network namespace
(an HTTP request to the destination's echo for TCP, a DNS query for UDP 53)
and compares what happened with the prediction: it must get through exactly
when the trace says Delivered or Internet, and the echo must see the
predicted source address. It needs root and a server running --dataplane
netns on this machine; a mismatch exits with code 1.`,
		Example: `  aksnet aks trace -g myResourceGroup -n myAKSCluster --from aks-nodepool1-12345678-vmss000000 --to 10.244.1.5:8080
  aksnet aks trace -g myResourceGroup -n myAKSCluster --from 10.244.0.7 --to 203.0.113.10:80 -o json`,
		Args: cobra.NoArgs,
	}
	a := flags.New(cmd, flags.Cobra)
	a.String(&f.rg, "Name of resource group.", "--resource-group", "-g").Required()
	a.String(&f.name, "Name of the managed cluster.", "--name", "-n").Required()
	a.String(&f.from, "Source: a node name, a pod name, or a node or pod IP address.", "--from").Required()
	a.String(&f.to, "Destination: IP[:PORT], or a node or pod name.", "--to").Required()
	a.Int(&f.port, "Destination port (overrides a port in --to).", "--port")
	a.Int(&f.sourcePort, "Source port (default 50000, an ephemeral port).", "--source-port")
	a.String(&f.protocol, "Protocol: Tcp, Udp or Icmp.", "--protocol")
	a.Switch(&f.verify, "Also send the packet for real from the source's network namespace and compare with the prediction (needs root and aksnet serve --dataplane netns on this machine; TCP to an echo port, or UDP 53).", "--verify")
	a.Done()
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		gg := *g
		if f := cmd.Flag("output"); f != nil && !f.Changed {
			gg.Output = string(output.Table)
		}
		e, err := command.NewEnv(cmd, s, &gg, true)
		if err != nil {
			return err
		}
		if err := a.Check(e.Prog, nil); err != nil {
			return err
		}
		return run(e, f)
	}
	return cmd
}

// traceFlags are the arguments of `aks trace`.
type traceFlags struct {
	rg, name, from, to, protocol string
	port, sourcePort             int
	verify                       bool
}

// request is the trace request.
func (f *traceFlags) request() client.TraceRequest {
	return client.TraceRequest{From: f.from, To: f.to, Port: f.port, SourcePort: f.sourcePort, Protocol: f.protocol}
}

// run asks the server for the trace, verifies it with --verify, and prints
// it; a verification that does not match the prediction exits 1.
func run(e *command.Env, f *traceFlags) error {
	raw, answer, err := e.Client.Trace(f.rg, f.name, f.request())
	if err != nil {
		return err
	}
	var ver *verification
	if f.verify {
		if ver, err = verifyAnswer(e, f, answer); err != nil {
			return err
		}
	}
	if e.Format == output.Table && e.Globals.Query == "" {
		err = writeTraceTable(e, answer, ver)
	} else {
		err = printAnswer(e, raw, ver)
	}
	if err != nil {
		return err
	}
	if ver != nil && !ver.Match {
		return &output.Error{Code: 1, Message: ver.Verdict}
	}
	return nil
}

// verifyAnswer sends the traced packet for real (see verifyTrace); errors
// that are not already az's come out as "ERROR: …", exit 1.
func verifyAnswer(e *command.Env, f *traceFlags, a client.TraceAnswer) (*verification, error) {
	v, err := verifyTrace(e, f.rg, f.name, a, a.Protocol)
	if err != nil {
		var oe *output.Error
		var ae output.ARMError
		if !errors.As(err, &oe) && !errors.As(err, &ae) {
			err = &output.Error{Code: 1, Message: err.Error()}
		}
		return nil, err
	}
	return &v, nil
}

// printAnswer prints the server's answer in the chosen format, with the
// verification under "verification".
func printAnswer(e *command.Env, raw []byte, ver *verification) error {
	v, err := output.Decode(raw)
	if err != nil {
		return fmt.Errorf("decode response: %w", err)
	}
	if o, ok := v.(*output.Object); ok && ver != nil {
		vraw, err := json.Marshal(ver)
		if err != nil {
			return fmt.Errorf("encode verification: %w", err)
		}
		vv, err := output.Decode(vraw)
		if err != nil {
			return fmt.Errorf("decode verification: %w", err)
		}
		o.Set("verification", vv)
	}
	return e.PrintValue(v)
}

// routeTableID matches a route table id in a decision, which the table
// shortens to the table's name.
// It is compiled on first use: package-level work slows every command.
var routeTableID = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`/subscriptions/[^ ]+/providers/Microsoft\.Network/routeTables/([^ /]+)`)
})

func writeTraceTable(e *command.Env, a client.TraceAnswer, ver *verification) error {
	rows := make([]any, 0, len(a.Hops))
	for i, h := range a.Hops {
		r := output.NewObject()
		r.Set("#", fmt.Sprint(i+1))
		r.Set("Step", h.Step)
		r.Set("Decided by", routeTableID().ReplaceAllString(h.Decision, "$1"))
		r.Set("What happens", h.Detail)
		rows = append(rows, r)
	}
	table, err := output.Render(rows, output.Options{Format: output.Table, TableTransformer: func(v any) any { return v }})
	if err != nil {
		return err
	}
	who := func(kind, name, ip, node string, port int) string {
		s := kind + " " + ip
		if port != 0 {
			s += fmt.Sprintf(":%d", port)
		}
		switch {
		case name != "" && node != "" && name != node:
			s += " (" + name + " on " + node + ")"
		case name != "":
			s += " (" + name + ")"
		case node != "":
			s += " (on " + node + ")"
		}
		return s
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s → %s\n\n", a.Protocol, who(a.From.Kind, a.From.Name, a.From.IP, a.From.Node, 0),
		who(a.To.Kind, a.To.Name, a.To.IP, a.To.Node, a.To.Port))
	b.WriteString(table)
	fmt.Fprintf(&b, "\nOutcome: %s (source %s)\n", a.Outcome, a.TranslatedSource)
	for _, n := range a.Notes {
		fmt.Fprintf(&b, "Note: %s\n", n)
	}
	if ver != nil {
		fmt.Fprintf(&b, "Probe: %s\nVerify: %s\n", ver.Probe, ver.Verdict)
	}
	_, err = fmt.Fprint(e.Streams.Out, b.String())
	return err
}
