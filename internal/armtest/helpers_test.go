package armtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/msi/armmsi"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
)

// Most tests share one control plane (starting one costs about a second on
// this machine) and keep out of each other's way by using their own resource
// groups. Tests that need other options start their own.
var (
	sharedOnce sync.Once
	sharedEnv  *Env
	sharedDir  string
	sharedErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedEnv != nil {
		stopQuickly(sharedEnv)
	}
	if sharedDir != "" {
		_ = os.RemoveAll(sharedDir)
	}
	os.Exit(code)
}

func sharedPlane(t testing.TB) *Env {
	t.Helper()
	sharedOnce.Do(func() {
		sharedDir, sharedErr = os.MkdirTemp("", "aksnet-armtest-")
		if sharedErr == nil {
			sharedEnv, sharedErr = StartDir(Options{StateDir: sharedDir})
		}
	})
	if sharedErr != nil {
		t.Fatalf("start shared control plane: %v", sharedErr)
	}
	return sharedEnv
}

// stopQuickly stops e after closing the client's idle connections: a
// graceful shutdown otherwise waits up to 5 s for connections the transport
// opened but never used.
func stopQuickly(e *Env) {
	e.HTTP.CloseIdleConnections()
	e.Stop()
}

// harness bundles a control plane, a signed-in principal and its SDK clients.
type harness struct {
	t    testing.TB
	e    *Env
	ctx  context.Context
	sub  string
	cred azcore.TokenCredential

	rg   *armresources.ResourceGroupsClient
	res  *armresources.Client
	net  *armnetwork.ClientFactory
	msi  *armmsi.UserAssignedIdentitiesClient
	auth *armauthorization.ClientFactory
}

// newHarness signs in as the admin principal of the shared control plane.
func newHarness(t testing.TB) *harness {
	t.Helper()
	e := sharedPlane(t)
	return harnessFor(t, e, e.Credential(t))
}

// ownHarness starts a control plane with opts for this test alone.
func ownHarness(t testing.TB, opts Options) *harness {
	t.Helper()
	e := Start(t, opts)
	t.Cleanup(func() { stopQuickly(e) }) // runs before Start's own cleanup
	return harnessFor(t, e, e.Credential(t))
}

func harnessFor(t testing.TB, e *Env, cred azcore.TokenCredential) *harness {
	t.Helper()
	h := &harness{t: t, e: e, ctx: context.Background(), sub: e.Creds.SubscriptionID, cred: cred}
	var err error
	opts := e.ClientOptions()
	if h.rg, err = armresources.NewResourceGroupsClient(h.sub, cred, opts); err != nil {
		t.Fatal(err)
	}
	if h.res, err = armresources.NewClient(h.sub, cred, opts); err != nil {
		t.Fatal(err)
	}
	if h.net, err = armnetwork.NewClientFactory(h.sub, cred, opts); err != nil {
		t.Fatal(err)
	}
	if h.msi, err = armmsi.NewUserAssignedIdentitiesClient(h.sub, cred, opts); err != nil {
		t.Fatal(err)
	}
	if h.auth, err = armauthorization.NewClientFactory(h.sub, cred, opts); err != nil {
		t.Fatal(err)
	}
	return h
}

// as returns a harness on the same control plane signed in with cred.
func (h *harness) as(cred azcore.TokenCredential) *harness {
	return harnessFor(h.t, h.e, cred)
}

// uniqueRG returns a resource group name no other test uses.
func uniqueRG(t testing.TB) string {
	n := strings.NewReplacer("/", "-", " ", "-", "#", "-").Replace(t.Name())
	if len(n) > 60 {
		n = n[len(n)-60:]
	}
	return "rg-" + n
}

// mkRG creates resource group name in eastus.
func (h *harness) mkRG(name string) string {
	h.t.Helper()
	res, err := h.rg.CreateOrUpdate(h.ctx, name, armresources.ResourceGroup{Location: to.Ptr("eastus")}, nil)
	if err != nil {
		h.t.Fatalf("create resource group %s: %v", name, err)
	}
	return *res.ID
}

// newRG creates the test's own resource group and returns its name.
func (h *harness) newRG() string {
	h.t.Helper()
	n := uniqueRG(h.t)
	h.mkRG(n)
	return n
}

func (h *harness) rgID(name string) string {
	return "/subscriptions/" + h.sub + "/resourceGroups/" + name
}

// vnet creates a VNet with address space space and the given inline subnets
// ("name=prefix").
func (h *harness) vnet(rg, name, space string, subnets ...string) armnetwork.VirtualNetwork {
	h.t.Helper()
	v := vnetBody(space, subnets...)
	res, err := h.putVNet(rg, name, v)
	if err != nil {
		h.t.Fatalf("create vnet %s: %v", name, err)
	}
	return res
}

func vnetBody(space string, subnets ...string) armnetwork.VirtualNetwork {
	v := armnetwork.VirtualNetwork{
		Location: to.Ptr("eastus"),
		Properties: &armnetwork.VirtualNetworkPropertiesFormat{
			AddressSpace: &armnetwork.AddressSpace{AddressPrefixes: []*string{to.Ptr(space)}},
		},
	}
	for _, s := range subnets {
		n, p, _ := strings.Cut(s, "=")
		v.Properties.Subnets = append(v.Properties.Subnets, &armnetwork.Subnet{
			Name: to.Ptr(n), Properties: &armnetwork.SubnetPropertiesFormat{AddressPrefix: to.Ptr(p)},
		})
	}
	return v
}

func (h *harness) putVNet(rg, name string, v armnetwork.VirtualNetwork) (armnetwork.VirtualNetwork, error) {
	p, err := h.net.NewVirtualNetworksClient().BeginCreateOrUpdate(h.ctx, rg, name, v, nil)
	if err != nil {
		return armnetwork.VirtualNetwork{}, err
	}
	res, err := pollDone(h.ctx, p)
	return res.VirtualNetwork, err
}

func (h *harness) putSubnet(rg, vnet, name string, s armnetwork.Subnet) (armnetwork.Subnet, error) {
	p, err := h.net.NewSubnetsClient().BeginCreateOrUpdate(h.ctx, rg, vnet, name, s, nil)
	if err != nil {
		return armnetwork.Subnet{}, err
	}
	res, err := pollDone(h.ctx, p)
	return res.Subnet, err
}

func (h *harness) putRouteTable(rg, name string, rt armnetwork.RouteTable) (armnetwork.RouteTable, error) {
	if rt.Location == nil {
		rt.Location = to.Ptr("eastus")
	}
	p, err := h.net.NewRouteTablesClient().BeginCreateOrUpdate(h.ctx, rg, name, rt, nil)
	if err != nil {
		return armnetwork.RouteTable{}, err
	}
	res, err := pollDone(h.ctx, p)
	return res.RouteTable, err
}

func (h *harness) putRoute(rg, table, name string, r armnetwork.Route) (armnetwork.Route, error) {
	p, err := h.net.NewRoutesClient().BeginCreateOrUpdate(h.ctx, rg, table, name, r, nil)
	if err != nil {
		return armnetwork.Route{}, err
	}
	res, err := pollDone(h.ctx, p)
	return res.Route, err
}

func (h *harness) putNSG(rg, name string, g armnetwork.SecurityGroup) (armnetwork.SecurityGroup, error) {
	if g.Location == nil {
		g.Location = to.Ptr("eastus")
	}
	p, err := h.net.NewSecurityGroupsClient().BeginCreateOrUpdate(h.ctx, rg, name, g, nil)
	if err != nil {
		return armnetwork.SecurityGroup{}, err
	}
	res, err := pollDone(h.ctx, p)
	return res.SecurityGroup, err
}

func (h *harness) putSecurityRule(rg, nsg, name string, r armnetwork.SecurityRule) (armnetwork.SecurityRule, error) {
	p, err := h.net.NewSecurityRulesClient().BeginCreateOrUpdate(h.ctx, rg, nsg, name, r, nil)
	if err != nil {
		return armnetwork.SecurityRule{}, err
	}
	res, err := pollDone(h.ctx, p)
	return res.SecurityRule, err
}

// nic creates a network interface with one dynamic IP configuration in subnetID.
func (h *harness) putNIC(rg, name, subnetID string) (armnetwork.Interface, error) {
	p, err := h.net.NewInterfacesClient().BeginCreateOrUpdate(h.ctx, rg, name, armnetwork.Interface{
		Location: to.Ptr("eastus"),
		Properties: &armnetwork.InterfacePropertiesFormat{
			IPConfigurations: []*armnetwork.InterfaceIPConfiguration{{
				Name: to.Ptr("ipconfig1"),
				Properties: &armnetwork.InterfaceIPConfigurationPropertiesFormat{
					Subnet:                    &armnetwork.Subnet{ID: to.Ptr(subnetID)},
					PrivateIPAllocationMethod: to.Ptr(armnetwork.IPAllocationMethodDynamic),
				},
			}},
		},
	}, nil)
	if err != nil {
		return armnetwork.Interface{}, err
	}
	res, err := pollDone(h.ctx, p)
	return res.Interface, err
}

// pollDone drives a poller to its end as PollUntilDone does, without its
// waits between reads: the server ends these operations before it answers,
// so the first status read is terminal. (smoke_test.go runs PollUntilDone
// itself.)
func pollDone[T any](ctx context.Context, p *runtime.Poller[T]) (T, error) {
	for range 20 {
		if p.Done() {
			return p.Result(ctx)
		}
		if _, err := p.Poll(ctx); err != nil {
			var zero T
			return zero, err
		}
	}
	var zero T
	return zero, errors.New("operation still in progress after 20 polls")
}

// deleteLRO runs a Begin…Delete poller to the end.
func deleteLRO[T any](ctx context.Context, p *runtime.Poller[T], err error) error {
	if err != nil {
		return err
	}
	_, err = pollDone(ctx, p)
	return err
}

// want is an expected ARM error (errors.go).
type want = WantError

// wantSDKErr checks that err is the ARM error w.
func wantSDKErr(t testing.TB, err error, w want) {
	t.Helper()
	w.Check(t, SDKError(t, err))
}

// rawResp is an answer to a plain HTTP request.
type rawResp struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r rawResp) apiErr(t testing.TB) APIError {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("error Content-Type %q, want application/json", ct)
	}
	ae, err := ParseEnvelope(r.Status, r.Body)
	if err != nil {
		t.Fatalf("status %d: %v", r.Status, err)
	}
	return ae
}

func (r rawResp) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// token returns an access token of h's principal for the server.
func (h *harness) token() string {
	h.t.Helper()
	tok, err := h.cred.GetToken(h.ctx, policy.TokenRequestOptions{Scopes: []string{h.e.URL + "/.default"}})
	if err != nil {
		h.t.Fatalf("get token: %v", err)
	}
	return tok.Token
}

// do sends a plain HTTP request with h's token. pathQuery is sent as given;
// body is sent as is when it is []byte or string, and as JSON otherwise.
func (h *harness) do(method, pathQuery string, body any, headers ...string) rawResp {
	h.t.Helper()
	return doRaw(h.t, h.e, method, pathQuery, body, append([]string{"Authorization", "Bearer " + h.token()}, headers...)...)
}

// doRaw sends a plain HTTP request; headers are name, value pairs.
func doRaw(t testing.TB, e *Env, method, pathQuery string, body any, headers ...string) rawResp {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.URL+pathQuery, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := e.HTTP.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, pathQuery, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, pathQuery, err)
	}
	return rawResp{Status: resp.StatusCode, Header: resp.Header, Body: out}
}

// get reads the stored document at id (any api-version works).
func (h *harness) get(id string) []byte {
	h.t.Helper()
	r := h.do(http.MethodGet, id+"?api-version=2024-05-01", nil)
	if r.Status != http.StatusOK {
		h.t.Fatalf("GET %s: %d %s", id, r.Status, r.Body)
	}
	return r.Body
}

// exists reports whether GET id answers 200 (false on 404).
func (h *harness) exists(id string) bool {
	h.t.Helper()
	r := h.do(http.MethodGet, id+"?api-version=2024-05-01", nil)
	switch r.Status {
	case http.StatusOK:
		return true
	case http.StatusNotFound:
		return false
	}
	h.t.Fatalf("GET %s: %d %s", id, r.Status, r.Body)
	return false
}

// snapshot remembers the stored documents of ids, for unchanged.
func (h *harness) snapshot(ids ...string) map[string]string {
	h.t.Helper()
	out := map[string]string{}
	for _, id := range ids {
		out[id] = string(h.get(id))
	}
	return out
}

// unchanged fails the test when a document differs from its snapshot: a
// refused write must store nothing (ETags change on every write, so an
// identical document was not rewritten).
func (h *harness) unchanged(before map[string]string) {
	h.t.Helper()
	for id, doc := range before {
		if now := string(h.get(id)); now != doc {
			h.t.Errorf("refused write changed %s:\nbefore %s\nafter  %s", id, doc, now)
		}
	}
}

// captured returns a context that captures the HTTP response of an SDK call.
func captured(ctx context.Context) (context.Context, **http.Response) {
	var resp *http.Response
	return policy.WithCaptureResponse(ctx, &resp), &resp
}

func names[T any](items []*T, name func(*T) *string) []string {
	var out []string
	for _, it := range items {
		if n := name(it); n != nil {
			out = append(out, *n)
		}
	}
	return out
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
