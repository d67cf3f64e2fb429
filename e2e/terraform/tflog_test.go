package terraform

import (
	"strings"
	"testing"
	"time"
)

// httpWait pairs each logged request (its dump raw, or line by line with
// Terraform's prefix, as Terraform 1.5.7 writes a provider's message) with its response by request URI and
// counts overlapping waits once.
func TestHTTPWait(t *testing.T) {
	const log = `2026-12-03T21:45:01.000Z [INFO]  Terraform version: 1.5.7
2026-12-03T21:45:02.000Z [DEBUG] provider.terraform-provider-azurerm_v5.2.0: AzureRM Request: 
GET /subscriptions/s/resourceGroups/rg?api-version=2023-07-01 HTTP/1.1
Host: 127.0.0.1:8443
Authorization: Bearer x
2026-12-03T21:45:02.500Z [DEBUG] provider.terraform-provider-azurerm_v5.2.0: [DEBUG] AzureRM Request: 
2026-12-03T21:45:02.500Z [DEBUG] provider.terraform-provider-azurerm_v5.2.0: PUT /subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v?api-version=2025-01-01 HTTP/1.1
2026-12-03T21:45:02.500Z [DEBUG] provider.terraform-provider-azurerm_v5.2.0: Host: 127.0.0.1:8443
2026-12-03T21:45:03.000Z [DEBUG] provider.terraform-provider-azurerm_v5.2.0: AzureRM Response for https://127.0.0.1:8443/subscriptions/s/resourceGroups/rg?api-version=2023-07-01: 
HTTP/1.1 200 OK
2026-12-03T21:45:03.250Z [DEBUG] provider.terraform-provider-azurerm_v5.2.0: AzureRM Response for https://127.0.0.1:8443/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v?api-version=2025-01-01: 
HTTP/1.1 200 OK
2026-12-03T21:45:05.000Z [DEBUG] provider.terraform-provider-azurerm_v5.2.0: AzureRM Request: GET to https://127.0.0.1:8443/x?api-version=1
2026-12-03T21:45:05.100Z [DEBUG] provider.terraform-provider-azurerm_v5.2.0: AzureRM Response for https://127.0.0.1:8443/x?api-version=1: 
2026-12-03T21:45:06.000Z [DEBUG] provider.terraform-provider-azurerm_v5.2.0: AzureRM Response for https://127.0.0.1:8443/never-asked: 
`
	got, n, err := httpWait(strings.NewReader(log))
	if err != nil {
		t.Fatal(err)
	}
	// 02.000–03.250 (two overlapping requests) and 05.000–05.100.
	if want := 1350 * time.Millisecond; got != want || n != 3 {
		t.Errorf("httpWait = %s over %d requests, want %s over 3", got, n, want)
	}
}

// FuzzHTTPWait: any log, however cut or garbled, reads without a panic,
// and the wait it reports is never negative nor pairs more requests than
// the log has responses.
func FuzzHTTPWait(f *testing.F) {
	f.Add("2026-12-03T21:45:02.000Z [DEBUG] provider.p: [DEBUG] AzureRM Request: \n2026-12-03T21:45:02.000Z [DEBUG] provider.p: GET /a?x=1 HTTP/1.1\n2026-12-03T21:45:03.000Z [DEBUG] provider.p: [DEBUG] AzureRM Response for https://h/a?x=1: \n")
	f.Add("2026-12-03T21:45:05.000Z [DEBUG] AzureRM Request: GET to https://h/x\n2026-12-03T21:45:04.000Z [DEBUG] AzureRM Response for https://h/x: \n")
	f.Add("2026-13-99T99:99:99.999Z AzureRM Response for %zz:\nGET / HTTP/1.1\n")
	f.Fuzz(func(t *testing.T, log string) {
		d, n, err := httpWait(strings.NewReader(log))
		if err != nil {
			return // a line over the scanner's 16 MB limit
		}
		if n > strings.Count(log, "AzureRM Response for ") {
			t.Errorf("paired %d requests, more than the log's responses", n)
		}
		if d < 0 {
			t.Errorf("a negative wait, %s", d)
		}
	})
}
