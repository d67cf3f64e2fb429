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
