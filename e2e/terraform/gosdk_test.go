package terraform

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aksnet/aksnet/internal/armtest"
	"github.com/aksnet/aksnet/internal/statedir"
	"github.com/hashicorp/go-azure-sdk/sdk/auth"
	"github.com/hashicorp/go-azure-sdk/sdk/client"
	"github.com/hashicorp/go-azure-sdk/sdk/client/resourcemanager"
	"github.com/hashicorp/go-azure-sdk/sdk/environments"
)

// TestGoAzureSDKProviderSetUp runs, without Terraform, the go-azure-sdk code
// azurerm configures itself and writes through (terraform-provider-azurerm
// internal/provider/provider.go: environments.FromEndpoint("https://" +
// metadata_host), then a client-secret authorizer for the resource
// manager): the cloud comes from aksnet's metadata endpoint, the token from
// <loginEndpoint>/{tenant}/oauth2/v2.0/token, and a PUT and a DELETE go
// through go-azure-sdk's own pollers (resourcemanager.PollerFromResponse),
// which wait nowhere, since aksnet says their work is done
// (arm.SkipPollingDelayHeader): without that, the LRO poller waits
// Retry-After (1 s) and the delete poller 10 s before their first poll.
func TestGoAzureSDKProviderSetUp(t *testing.T) {
	e := armtest.Start(t)
	// go-azure-sdk builds its own HTTP clients on the system roots, as
	// Terraform does: SSL_CERT_FILE is how a user makes them trust aksnet.
	// No test of this package reads the system roots before this one.
	t.Setenv("SSL_CERT_FILE", filepath.Join(e.StateDir, statedir.CAFile))
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()

	env, err := environments.FromEndpoint(ctx, e.URL)
	if err != nil {
		t.Fatalf("environments.FromEndpoint: %v", err)
	}
	if ep, ok := env.ResourceManager.Endpoint(); !ok || strings.TrimSuffix(*ep, "/") != e.URL {
		t.Fatalf("resource manager endpoint %q, want %s", *ep, e.URL)
	}
	authorizer, err := auth.NewAuthorizerFromCredentials(ctx, auth.Credentials{
		Environment: *env, TenantID: e.Creds.TenantID, ClientID: e.Creds.AppID, ClientSecret: e.Creds.Password,
		EnableAuthenticatingUsingClientSecret: true,
	}, env.ResourceManager)
	if err != nil {
		t.Fatalf("auth.NewAuthorizerFromCredentials: %v", err)
	}
	if _, err := authorizer.Token(ctx, &http.Request{}); err != nil {
		t.Fatalf("token from aksnet's v2.0 token endpoint: %v", err)
	}

	rgPath := "/subscriptions/" + e.Creds.SubscriptionID + "/resourceGroups/gosdk"
	vnetPath := rgPath + "/providers/Microsoft.Network/virtualNetworks/vnet1"
	// write sends one request with go-azure-sdk and waits for its poller.
	write := func(method, path, apiVersion string, body any, codes ...int) time.Duration {
		t.Helper()
		c, err := resourcemanager.NewClient(env.ResourceManager, "aksnet", apiVersion)
		if err != nil {
			t.Fatal(err)
		}
		c.Authorizer = authorizer
		req, err := c.NewRequest(ctx, client.RequestOptions{ContentType: "application/json; charset=utf-8", ExpectedStatusCodes: codes,
			HttpMethod: method, Path: path})
		if err != nil {
			t.Fatal(err)
		}
		if body != nil {
			if err := req.Marshal(body); err != nil {
				t.Fatal(err)
			}
		}
		start := time.Now()
		resp, err := req.Execute(ctx)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		poller, err := resourcemanager.PollerFromResponse(resp, c)
		if err != nil {
			t.Fatalf("%s %s: poller: %v", method, path, err)
		}
		if err := poller.PollUntilDone(ctx); err != nil {
			t.Fatalf("%s %s: poll: %v", method, path, err)
		}
		return time.Since(start)
	}
	for _, s := range []struct {
		what, method, path, version string
		body                        any
		codes                       []int
	}{
		{"resource group PUT", http.MethodPut, rgPath, "2022-09-01", map[string]any{"location": "eastus"}, []int{200, 201}},
		{"VNet PUT", http.MethodPut, vnetPath, "2025-01-01", map[string]any{"location": "eastus",
			"properties": map[string]any{"addressSpace": map[string]any{"addressPrefixes": []string{"10.1.0.0/16"}}}}, []int{200, 201}},
		{"VNet DELETE", http.MethodDelete, vnetPath, "2025-01-01", nil, []int{200, 202, 204}},
		{"resource group DELETE", http.MethodDelete, rgPath, "2022-09-01", nil, []int{200, 202}},
	} {
		took := write(s.method, s.path, s.version, s.body, s.codes...)
		t.Logf("%s through go-azure-sdk's poller: %s", s.what, took.Round(time.Millisecond))
		// Bounded well under the 1 s and 10 s the pollers would wait
		// without the hint, with room for a loaded machine.
		if took > 900*time.Millisecond {
			t.Errorf("%s took %s: the poller waited", s.what, took)
		}
	}
}
