package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/flags"
	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/spf13/cobra"
)

// newNICShowEffectiveRouteTableCommand mirrors `az network nic
// show-effective-route-table`: the routes the fabric applies to a NIC, the
// system routes of its VNet merged with its subnet's route table. az's table
// output shows Source, State, Address Prefix, Next Hop Type and Next Hop IP.
func newNICShowEffectiveRouteTableCommand(s Streams, g *command.Globals) *cobra.Command {
	var rg, name string
	var ids []string
	cmd, a := newNetCommand("show-effective-route-table", "Show the effective route table applied to a network interface.")
	cmd.Example = "  aksnet network nic show-effective-route-table -g MC_myResourceGroup_myAKSCluster_eastus -n aks-nodepool1-12345678-vmss000000 -o table"
	a.resourceGroup(&rg).req().id()
	a.str(&name, "Name of the network interface (NIC).", "-n", "--name").req().id()
	a.withIDs(&ids)
	netRun(s, g, a, func(e *env) error {
		e.Table = effectiveRouteTable
		var out []any
		for _, nic := range flags.Targets(ids, func() string { return e.Client.NetPath(rg, "networkInterfaces", name) }) {
			raw, err := e.netPostAction(nic+"/effectiveRouteTable", nil)
			if err != nil {
				return err
			}
			v, err := output.Decode(effectiveRouteListShape(raw))
			if err != nil {
				return fmt.Errorf("decode response: %w", err)
			}
			out = append(out, v)
		}
		if len(out) == 1 {
			return e.PrintValue(out[0])
		}
		return e.PrintValue(out)
	})
	return cmd
}

// effectiveRouteListShape gives the answer the keys az's model prints:
// nextLink (null) next to value.
func effectiveRouteListShape(raw []byte) []byte {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return raw
	}
	if _, ok := m["nextLink"]; !ok {
		m["nextLink"] = json.RawMessage("null")
	}
	if _, ok := m["value"]; !ok {
		m["value"] = json.RawMessage("[]")
	}
	out, err := json.Marshal(m)
	if err != nil {
		return raw
	}
	return out
}

// effectiveRouteTable is az's transform_effective_route_table.
func effectiveRouteTable(v any) any {
	list, _ := v.(*output.Object)
	if list == nil {
		return v
	}
	routes, _ := list.Get("value")
	items, _ := routes.([]any)
	rows := make([]any, 0, len(items))
	join := func(x any) string {
		l, _ := x.([]any)
		parts := make([]string, 0, len(l))
		for _, p := range l {
			if s, ok := p.(string); ok {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, " ")
	}
	for _, it := range items {
		o, ok := it.(*output.Object)
		if !ok {
			continue
		}
		get := func(k string) any { x, _ := o.Get(k); return x }
		r := output.NewObject()
		r.Set("Source", get("source"))
		r.Set("State", get("state"))
		r.Set("Address Prefix", join(get("addressPrefix")))
		r.Set("Next Hop Type", get("nextHopType"))
		r.Set("Next Hop IP", join(get("nextHopIpAddress")))
		rows = append(rows, r)
	}
	return rows
}

// netPostAction POSTs a resource action with the network API version and
// returns its result. A 200 carries the result; a 202 (Azure's long-running
// form of these operations) is followed through its Azure-AsyncOperation or
// Location header until the result is there.
func (e *env) netPostAction(path string, body any) ([]byte, error) {
	r, err := e.Client.Call(http.MethodPost, path, apiNetwork, body)
	if err != nil {
		return nil, err
	}
	if r.Status != http.StatusAccepted {
		return r.Body, nil
	}
	if r.Header.Get("Azure-AsyncOperation") != "" {
		if err := e.Wait(r); err != nil {
			return nil, err
		}
	}
	loc := r.Header.Get("Location")
	if loc == "" {
		return r.Body, nil
	}
	delay := 10 * time.Millisecond
	for range 600 {
		pr, err := e.Client.Call(http.MethodGet, loc, "", nil)
		if err != nil {
			return nil, err
		}
		if pr.Status != http.StatusAccepted {
			return pr.Body, nil
		}
		time.Sleep(delay)
		delay = min(2*delay, 500*time.Millisecond)
	}
	return nil, &output.Error{Code: 1, Message: "the operation at " + loc + " did not finish"}
}
