package armtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// BenchmarkNextHopAPI is Network Watcher's nextHop through the whole stack
// (TLS, token, authorisation, store reads, the effective route table of a
// NIC whose subnet has a full 400-route kubenet table, longest prefix
// match), next to fabric's BenchmarkNextHopLPM, which measures the lookup
// alone:
//
//	go test -run x -bench NextHopAPI ./internal/armtest
func BenchmarkNextHopAPI(b *testing.B) {
	e := startBench(b)
	routes := make([]string, 0, 400)
	for i := range 400 {
		routes = append(routes, fmt.Sprintf(`{"name":"aks-nodepool1-12345678-vmss%06d____10%d%d024","properties":{"addressPrefix":"10.%d.%d.0/24","nextHopType":"VirtualAppliance","nextHopIpAddress":"192.168.%d.%d"}}`,
			i, 244+i/256, i%256, 244+i/256, i%256, 1+(4+i)/256, (4+i)%256))
	}
	rt := e.mustDo(b, http.MethodPut, e.routeTablePath("rt400"), `{"location":"eastus","properties":{"routes":[`+strings.Join(routes, ",")+`]}}`)
	var rtDoc struct{ ID string }
	if err := json.Unmarshal(rt, &rtDoc); err != nil {
		b.Fatal(err)
	}
	e.mustDo(b, http.MethodPut, e.vnetPath("vnet"), `{"location":"eastus","properties":{"addressSpace":{"addressPrefixes":["192.168.0.0/16"]},`+
		`"subnets":[{"name":"s1","properties":{"addressPrefix":"192.168.0.0/22","routeTable":{"id":"`+rtDoc.ID+`"}}}]}}`)
	nic := e.rg + "/providers/Microsoft.Network/networkInterfaces/nic1"
	e.mustDo(b, http.MethodPut, nic+"?api-version="+benchNetAPIVersion, `{"location":"eastus","properties":{"ipConfigurations":[{"name":"ipconfig1","properties":`+
		`{"subnet":{"id":"`+strings.TrimSuffix(e.rg, "/")+`/providers/Microsoft.Network/virtualNetworks/vnet/subnets/s1"},"privateIPAllocationMethod":"Dynamic"}}]}}`)
	watcher := e.rg + "/providers/Microsoft.Network/networkWatchers/NetworkWatcher_eastus"
	e.mustDo(b, http.MethodPut, watcher+"?api-version="+benchNetAPIVersion, `{"location":"eastus"}`)
	url := e.URL + watcher + "/nextHop?api-version=" + benchNetAPIVersion
	dsts := []string{"10.245.100.7", "192.168.3.9", "8.8.8.8", "10.9.9.9"} // VirtualAppliance, VnetLocal, Internet, None
	bodies := make([]string, len(dsts))
	for i, d := range dsts {
		bodies[i] = `{"targetResourceId":"` + nic + `","sourceIPAddress":"192.168.0.4","destinationIPAddress":"` + d + `"}`
	}
	// One check of the answers before timing.
	code, out, err := e.do(http.MethodPost, watcher+"/nextHop?api-version="+benchNetAPIVersion, bodies[0])
	if err != nil || code != http.StatusOK || !strings.Contains(string(out), `"nextHopIpAddress":"192.168.2.104"`) {
		b.Fatalf("nextHop: %d %s %v", code, out, err)
	}
	n := 0
	for b.Loop() {
		if err := e.hit(http.MethodPost, url, bodies[n%len(bodies)], http.StatusOK); err != nil {
			b.Fatal(err)
		}
		n++
	}
	reportRate(b, n)
}
