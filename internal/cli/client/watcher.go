package client

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/aksnet/aksnet/internal/cli/output"
)

// Where Azure keeps the regional Network Watcher it enables by itself.
const (
	watcherRG     = "NetworkWatcherRG"
	watcherPrefix = "NetworkWatcher_"
)

// NextHopQuery is what az network watcher show-next-hop asks: the regional
// watcher to POST nextHop to (see RegionalWatcher) and the parameters, for
// a packet from src to dst leaving vm (see WatcherTarget) through nic (a
// name in rg or an id; "" for the VM's primary NIC).
func (c *Client) NextHopQuery(rg, vm, src, dst, nic string) (watcher string, params map[string]string, err error) {
	target, loc, err := c.WatcherTarget(rg, vm)
	if err != nil {
		return "", nil, err
	}
	params = map[string]string{"targetResourceId": target, "sourceIPAddress": src, "destinationIPAddress": dst}
	if nic != "" {
		if !strings.HasPrefix(nic, "/") && rg == "" {
			return "", nil, &output.Error{Code: 1, Message: "usage error: --nic ID | --nic NAME --resource-group NAME"}
		}
		params["targetNicResourceId"] = c.NetRef(nic, rg, "networkInterfaces")
	}
	watcher, err = c.RegionalWatcher(loc)
	return watcher, params, err
}

// WatcherTarget resolves az network watcher's --vm to a resource id and its
// location: an id as given; a name as a VM, then a NIC, in rg, then as the
// one NIC of that name in the subscription, then (an AKS node) as the one
// scale set instance of that computer name in the subscription.
func (c *Client) WatcherTarget(rg, vm string) (id, location string, err error) {
	var cands []string
	if strings.HasPrefix(vm, "/") {
		cands = []string{strings.TrimRight(vm, "/")}
	} else {
		if rg == "" {
			return "", "", &output.Error{Code: 1, Message: "usage error: --vm ID | --vm NAME --resource-group NAME"}
		}
		cands = []string{c.ResourcePath(rg, "Microsoft.Compute/virtualMachines", vm), c.NetPath(rg, "networkInterfaces", vm)}
	}
	var firstErr error
	for _, cand := range cands {
		r, err := c.Do(http.MethodGet, cand, apiForID(cand), nil)
		if err != nil {
			return "", "", err
		}
		if r.Status == http.StatusOK {
			var doc struct {
				ID       string `json:"id"`
				Location string `json:"location"`
			}
			if err := json.Unmarshal(r.Body, &doc); err != nil {
				return "", "", fmt.Errorf("decode %s: %w", cand, err)
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
		items, err := c.ListItems(c.NetSubscriptionPath("networkInterfaces"), APINetwork)
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
		if id, loc, ok, err := c.instanceNamed(vm); err != nil || ok {
			return id, loc, err
		}
	}
	return "", "", firstErr
}

// instanceNamed finds the one VM scale set instance of the subscription
// whose computer name is name (an AKS node name, such as
// aks-nodepool1-12345678-vmss000000), and returns its id and location.
func (c *Client) instanceNamed(name string) (id, location string, ok bool, err error) {
	sets, err := c.ListItems(c.SubscriptionPath()+"/providers/Microsoft.Compute/virtualMachineScaleSets", APICompute)
	if err != nil {
		return "", "", false, err
	}
	var found []string
	for _, raw := range sets {
		var ss struct {
			ID       string `json:"id"`
			Location string `json:"location"`
		}
		if err := json.Unmarshal(raw, &ss); err != nil || ss.ID == "" {
			return "", "", false, fmt.Errorf("decode a scale set of the list: %v", err)
		}
		vms, err := c.ListItems(ss.ID+"/virtualMachines", APICompute)
		if err != nil {
			return "", "", false, err
		}
		for _, v := range vms {
			var vm struct {
				ID         string `json:"id"`
				Properties struct {
					OSProfile struct {
						ComputerName string `json:"computerName"`
					} `json:"osProfile"`
				} `json:"properties"`
			}
			if err := json.Unmarshal(v, &vm); err != nil {
				return "", "", false, fmt.Errorf("decode an instance of %s: %w", ss.ID, err)
			}
			if strings.EqualFold(vm.Properties.OSProfile.ComputerName, name) {
				found, location = append(found, vm.ID), ss.Location
			}
		}
	}
	if len(found) != 1 {
		return "", "", false, nil
	}
	return found[0], location, true, nil
}

// apiForID picks the API version for reading a resource id.
func apiForID(id string) string {
	if strings.Contains(strings.ToLower(id), "/providers/microsoft.compute/") {
		return APICompute
	}
	return APINetwork
}

// RegionalWatcher returns the id of the subscription's Network Watcher in
// location, creating NetworkWatcher_<location> in NetworkWatcherRG (and the
// group) when there is none, as Azure does, and saying so at info level.
func (c *Client) RegionalWatcher(location string) (string, error) {
	items, err := c.ListItems(c.NetSubscriptionPath("networkWatchers"), APINetwork)
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
	r, err := c.Do(http.MethodGet, c.RGPath(watcherRG), APIResources, nil)
	if err != nil {
		return "", err
	}
	if r.Status == http.StatusNotFound {
		if _, err := c.Call(http.MethodPut, c.RGPath(watcherRG), APIResources, map[string]any{"location": location}); err != nil {
			return "", err
		}
	}
	name := watcherPrefix + norm(location)
	id := c.NetPath(watcherRG, "networkWatchers", name)
	if _, err := c.Call(http.MethodPut, id, APINetwork, map[string]any{"location": location, "properties": map[string]any{}}); err != nil {
		return "", err
	}
	c.log.Info("Network Watcher was not enabled for region '%s': created %s in %s.", location, name, watcherRG)
	return id, nil
}

// NextHop is a Network Watcher's nextHop answer, as az prints it: an
// absent or empty field is null.
type NextHop struct {
	NextHopIPAddress *string `json:"nextHopIpAddress"`
	NextHopType      *string `json:"nextHopType"`
	RouteTableID     *string `json:"routeTableId"`
}

// DecodeNextHop decodes a nextHop answer.
func DecodeNextHop(raw []byte) (NextHop, error) {
	var h NextHop
	if err := json.Unmarshal(raw, &h); err != nil {
		return h, fmt.Errorf("decode response: %w", err)
	}
	for _, p := range []**string{&h.NextHopIPAddress, &h.NextHopType, &h.RouteTableID} {
		if *p != nil && **p == "" {
			*p = nil
		}
	}
	return h, nil
}
