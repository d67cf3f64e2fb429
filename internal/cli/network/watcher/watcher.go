// Package watcher is `aksnet network watcher`, az network watcher: the regional Network Watcher and its next-hop query.
package watcher

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/aksnet/aksnet/internal/cli/client"
	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/flags"
	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/spf13/cobra"
)

// Where Azure keeps the regional Network Watcher it enables by itself.
const (
	watcherRG     = "NetworkWatcherRG"
	watcherPrefix = "NetworkWatcher_"
)

// NewCommand mirrors `az network watcher` list and show-next-hop.
func NewCommand(s command.Streams, g *command.Globals) *cobra.Command {
	list := command.Leaf(s, g, &cobra.Command{Use: "list", Short: "List Network Watchers."}, flags.AAZ, func(*flags.Set) {},
		func(e *command.Env) error {
			return e.List(e.Client.NetSubscriptionPath("networkWatchers"), client.APINetwork)
		})
	return command.Group("watcher", "Manage the Azure Network Watcher.", list, newWatcherShowNextHopCommand(s, g))
}

// newWatcherShowNextHopCommand mirrors `az network watcher show-next-hop`:
// the next hop of a packet leaving a VM's NIC, from the NIC's effective
// routes. --vm takes a VM, a scale set instance or a NIC, by id or by name
// (a name is looked up as a VM, then as a NIC in the resource group, then as
// a NIC anywhere in the subscription, which finds AKS nodes by node name).
// As in Azure, the watcher of the target's region (NetworkWatcher_<location>
// in NetworkWatcherRG) is used, and created when the region has none.
func newWatcherShowNextHopCommand(s command.Streams, g *command.Globals) *cobra.Command {
	var rg, vm, src, dst, nic string
	cmd := &cobra.Command{Use: "show-next-hop", Short: "Get information on the 'next hop' of a VM."}
	cmd.Long = `Get information on the 'next hop' of a VM.

Requires that Network Watcher is enabled for the region in which the VM is
located; aksnet enables it (NetworkWatcher_<location> in NetworkWatcherRG)
when it is not, as Azure does when a virtual network is created.`
	cmd.Example = "  aksnet network watcher show-next-hop -g MC_myResourceGroup_myAKSCluster_eastus \\\n" +
		"      --vm aks-nodepool1-12345678-vmss000000 --source-ip 192.168.1.4 --dest-ip 10.244.1.5"
	return command.Leaf(s, g, cmd, flags.AAZ, func(a *flags.Set) {
		a.ResourceGroup(&rg)
		a.String(&vm, "Name or ID of the VM (or network interface) to target. If the name of the VM is provided, the --resource-group is required.", "--vm").Required()
		a.String(&src, "Source IPv4 address.", "--source-ip").Required()
		a.String(&dst, "Destination IPv4 address.", "--dest-ip").Required()
		a.String(&nic, "Name or ID of the NIC resource to test. If the VM has multiple NICs and IP forwarding is enabled on any of them, this parameter is required.", "--nic")
	}, func(e *command.Env) error {
		target, loc, err := watcherTarget(e, rg, vm)
		if err != nil {
			return err
		}
		body := map[string]string{"targetResourceId": target, "sourceIPAddress": src, "destinationIPAddress": dst}
		if nic != "" {
			if !strings.HasPrefix(nic, "/") && rg == "" {
				return &output.Error{Code: 1, Message: "usage error: --nic ID | --nic NAME --resource-group NAME"}
			}
			body["targetNicResourceId"] = e.Client.NetRef(nic, rg, "networkInterfaces")
		}
		w, err := regionalWatcher(e, loc)
		if err != nil {
			return err
		}
		raw, err := e.PostAction(w+"/nextHop", client.APINetwork, body)
		if err != nil {
			return err
		}
		var res struct {
			NextHopType      *string `json:"nextHopType"`
			NextHopIPAddress *string `json:"nextHopIpAddress"`
			RouteTableID     *string `json:"routeTableId"`
		}
		if err := json.Unmarshal(raw, &res); err != nil {
			return fmt.Errorf("decode response: %w", err)
		}
		o := output.NewObject()
		o.Set("nextHopIpAddress", ptrOrNil(res.NextHopIPAddress))
		o.Set("nextHopType", ptrOrNil(res.NextHopType))
		o.Set("routeTableId", ptrOrNil(res.RouteTableID))
		return e.PrintValue(o)
	})
}

func ptrOrNil(p *string) any {
	if p == nil || *p == "" {
		return nil
	}
	return *p
}

// watcherTarget resolves --vm to a resource id and its location.
func watcherTarget(e *command.Env, rg, vm string) (id, location string, err error) {
	var cands []string
	if strings.HasPrefix(vm, "/") {
		cands = []string{strings.TrimRight(vm, "/")}
	} else {
		if rg == "" {
			return "", "", &output.Error{Code: 1, Message: "usage error: --vm ID | --vm NAME --resource-group NAME"}
		}
		cands = []string{e.Client.ResourcePath(rg, "Microsoft.Compute/virtualMachines", vm), e.Client.NetPath(rg, "networkInterfaces", vm)}
	}
	var firstErr error
	for _, c := range cands {
		r, err := e.Client.Do(http.MethodGet, c, apiForID(c), nil)
		if err != nil {
			return "", "", err
		}
		if r.Status == http.StatusOK {
			var doc struct {
				ID       string `json:"id"`
				Location string `json:"location"`
			}
			if err := json.Unmarshal(r.Body, &doc); err != nil {
				return "", "", fmt.Errorf("decode %s: %w", c, err)
			}
			return doc.ID, doc.Location, nil
		}
		if firstErr == nil {
			firstErr = output.ParseARMError(r.Status, r.Body)
		}
		if r.Status != http.StatusNotFound && r.Status != http.StatusBadRequest {
			return "", "", firstErr
		}
	}
	if !strings.HasPrefix(vm, "/") {
		// An AKS node: its NIC is named after it, in the node resource group.
		items, err := e.Client.ListItems(e.Client.NetSubscriptionPath("networkInterfaces"), client.APINetwork)
		if err != nil {
			return "", "", err
		}
		var found []string
		var loc string
		for _, it := range items {
			var doc struct {
				ID       string `json:"id"`
				Name     string `json:"name"`
				Location string `json:"location"`
			}
			if err := json.Unmarshal(it, &doc); err != nil {
				return "", "", fmt.Errorf("decode a network interface of the list: %w", err)
			}
			if strings.EqualFold(doc.Name, vm) {
				found = append(found, doc.ID)
				loc = doc.Location
			}
		}
		if len(found) == 1 {
			return found[0], loc, nil
		}
	}
	return "", "", firstErr
}

// apiForID picks the API version for reading a resource id.
func apiForID(id string) string {
	if strings.Contains(strings.ToLower(id), "/providers/microsoft.compute/") {
		return "2023-03-01"
	}
	return client.APINetwork
}

// regionalWatcher returns the id of the subscription's Network Watcher in
// location, creating NetworkWatcher_<location> in NetworkWatcherRG (and the
// group) when there is none.
func regionalWatcher(e *command.Env, location string) (string, error) {
	items, err := e.Client.ListItems(e.Client.NetSubscriptionPath("networkWatchers"), client.APINetwork)
	if err != nil {
		return "", err
	}
	norm := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, " ", "")) }
	for _, it := range items {
		var w struct {
			ID       string `json:"id"`
			Location string `json:"location"`
		}
		if json.Unmarshal(it, &w) == nil && norm(w.Location) == norm(location) {
			return w.ID, nil
		}
	}
	r, err := e.Client.Do(http.MethodGet, e.Client.RGPath(watcherRG), client.APIResources, nil)
	if err != nil {
		return "", err
	}
	if r.Status == http.StatusNotFound {
		if _, err := e.Client.Call(http.MethodPut, e.Client.RGPath(watcherRG), client.APIResources, map[string]any{"location": location}); err != nil {
			return "", err
		}
	}
	id := e.Client.NetPath(watcherRG, "networkWatchers", watcherPrefix+norm(location))
	if _, err := e.Client.Call(http.MethodPut, id, client.APINetwork, map[string]any{"location": location, "properties": map[string]any{}}); err != nil {
		return "", err
	}
	e.Log.Info("Network Watcher was not enabled for region '%s': created %s in %s.", location, watcherPrefix+norm(location), watcherRG)
	return id, nil
}
