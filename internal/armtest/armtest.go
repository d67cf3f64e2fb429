// Package armtest starts a real aksnet control plane in-process, over TLS on
// loopback, for tests that drive it with the Azure SDK for Go or plain HTTP.
package armtest

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/aksnet/aksnet/internal/controlplane"
	"github.com/aksnet/aksnet/internal/dataplane"
	"github.com/aksnet/aksnet/internal/kubesup"
	"github.com/aksnet/aksnet/internal/statedir"
)

// Env is a running control plane.
type Env struct {
	// URL is the server's base URL, https://localhost:PORT.
	URL      string
	StateDir string
	Plane    *controlplane.Plane
	// Creds are the admin principal's credentials.
	Creds *statedir.Credentials
	// HTTP trusts the server's CA.
	HTTP *http.Client

	cancel context.CancelFunc
	done   chan error
}

// Options tunes Start.
type Options struct {
	StateDir          string
	MaxRoutesPerTable int
	PageSize          int
	// PropagationDelay and ProvisioningDelay are passed to controlplane.Config.
	PropagationDelay  time.Duration
	ProvisioningDelay time.Duration
	// RouteReconcilePeriod is passed to controlplane.Config; zero, the
	// default of tests, reconciles routes at every change.
	RouteReconcilePeriod time.Duration
	// Dataplane turns the data plane on (see controlplane.Config).
	Dataplane dataplane.Plane
	// HTTP, TokenRate and TokenBurst are passed to controlplane.Config.
	HTTP       controlplane.HTTPLimits
	TokenRate  float64
	TokenBurst int
	// Kube configures the Kubernetes control planes (controlplane.Config.Kube).
	Kube kubesup.Options
}

// Start runs a control plane for the test and stops it in t.Cleanup.
func Start(t testing.TB, opts ...Options) *Env {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.StateDir == "" {
		o.StateDir = t.TempDir()
	}
	e, err := StartDir(o)
	if err != nil {
		t.Fatalf("start control plane: %v", err)
	}
	t.Cleanup(func() { e.Stop() })
	return e
}

// StartDir runs a control plane on a free loopback port.
func StartDir(o Options) (*Env, error) {
	ctx, cancel := context.WithCancel(context.Background())
	plane, err := controlplane.Open(ctx, controlplane.Config{StateDir: o.StateDir, MaxRoutesPerTable: o.MaxRoutesPerTable, PageSize: o.PageSize,
		PropagationDelay: o.PropagationDelay, ProvisioningDelay: o.ProvisioningDelay, RouteReconcilePeriod: o.RouteReconcilePeriod, Dataplane: o.Dataplane,
		HTTP: o.HTTP, TokenRate: o.TokenRate, TokenBurst: o.TokenBurst, Kube: o.Kube})
	if err != nil {
		cancel()
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		_ = plane.Close()
		return nil, err
	}
	e := &Env{
		URL:      "https://localhost:" + portOf(ln.Addr()),
		StateDir: o.StateDir,
		Plane:    plane,
		Creds:    plane.Credentials,
		HTTP: &http.Client{Transport: &http.Transport{
			TLSClientConfig:     &tls.Config{RootCAs: plane.TLS.CertPool(), MinVersion: tls.VersionTLS12},
			MaxIdleConnsPerHost: 64,
		}, Timeout: 60 * time.Second},
		cancel: cancel,
		done:   make(chan error, 1),
	}
	go func() { e.done <- plane.Serve(ctx, ln) }()
	return e, nil
}

func portOf(a net.Addr) string {
	_, p, _ := net.SplitHostPort(a.String())
	return p
}

// Stop shuts the server down and closes the store.
func (e *Env) Stop() {
	if e.cancel == nil {
		return
	}
	e.cancel()
	<-e.done
	_ = e.Plane.Close()
	e.cancel = nil
}

// Cloud is the cloud configuration pointing the SDK at the server.
func (e *Env) Cloud() cloud.Configuration {
	return cloud.Configuration{
		ActiveDirectoryAuthorityHost: e.URL + "/",
		Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager: {Endpoint: e.URL, Audience: e.URL},
		},
	}
}

// ClientOptions are ARM client options for the SDK's resource manager clients.
func (e *Env) ClientOptions() *arm.ClientOptions {
	return &arm.ClientOptions{
		ClientOptions: policy.ClientOptions{
			Cloud:     e.Cloud(),
			Transport: e.HTTP,
			Retry:     policy.RetryOptions{MaxRetries: -1},
		},
		DisableRPRegistration: true,
	}
}

// Credential signs in as the admin principal through the server's token
// endpoint, as azidentity does against Entra ID.
func (e *Env) Credential(t testing.TB) azcore.TokenCredential {
	t.Helper()
	return e.CredentialFor(t, e.Creds.AppID, e.Creds.Password)
}

// CredentialFor signs in as another principal.
func (e *Env) CredentialFor(t testing.TB, appID, secret string) azcore.TokenCredential {
	t.Helper()
	cred, err := azidentity.NewClientSecretCredential(e.Creds.TenantID, appID, secret, &azidentity.ClientSecretCredentialOptions{
		ClientOptions:            azcore.ClientOptions{Cloud: e.Cloud(), Transport: e.HTTP},
		DisableInstanceDiscovery: true,
	})
	if err != nil {
		t.Fatalf("credential: %v", err)
	}
	return cred
}
