package armtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/msi/armmsi"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
	"github.com/aksnet/aksnet/internal/arm"
	"github.com/google/uuid"
)

// StopQuickly stops e after closing the client's idle connections: a
// graceful shutdown otherwise waits up to 5 s for connections the transport
// opened but never used.
func StopQuickly(e *Env) {
	e.HTTP.CloseIdleConnections()
	e.Stop()
}

// Harness bundles a control plane, a signed-in principal and its SDK clients.
type Harness struct {
	T    testing.TB
	Env  *Env
	Ctx  context.Context
	Sub  string
	Cred azcore.TokenCredential

	RG   *armresources.ResourceGroupsClient
	Res  *armresources.Client
	Net  *armnetwork.ClientFactory
	MSI  *armmsi.UserAssignedIdentitiesClient
	Auth *armauthorization.ClientFactory

	AKS   *armcontainerservice.ManagedClustersClient
	Pools *armcontainerservice.AgentPoolsClient
}

// NewHarness signs in to e with cred and makes the SDK clients.
func NewHarness(t testing.TB, e *Env, cred azcore.TokenCredential) *Harness {
	t.Helper()
	h := &Harness{T: t, Env: e, Ctx: context.Background(), Sub: e.Creds.SubscriptionID, Cred: cred}
	var err error
	opts := e.ClientOptions()
	if h.RG, err = armresources.NewResourceGroupsClient(h.Sub, cred, opts); err != nil {
		t.Fatal(err)
	}
	if h.Res, err = armresources.NewClient(h.Sub, cred, opts); err != nil {
		t.Fatal(err)
	}
	if h.Net, err = armnetwork.NewClientFactory(h.Sub, cred, opts); err != nil {
		t.Fatal(err)
	}
	if h.MSI, err = armmsi.NewUserAssignedIdentitiesClient(h.Sub, cred, opts); err != nil {
		t.Fatal(err)
	}
	if h.Auth, err = armauthorization.NewClientFactory(h.Sub, cred, opts); err != nil {
		t.Fatal(err)
	}
	if h.AKS, err = armcontainerservice.NewManagedClustersClient(h.Sub, cred, opts); err != nil {
		t.Fatal(err)
	}
	if h.Pools, err = armcontainerservice.NewAgentPoolsClient(h.Sub, cred, opts); err != nil {
		t.Fatal(err)
	}
	return h
}

// WithT returns a copy of h reporting to t (for subtests).
func (h *Harness) WithT(t testing.TB) *Harness {
	c := *h
	c.T = t
	return &c
}

// As returns a harness on the same control plane signed in with cred.
func (h *Harness) As(cred azcore.TokenCredential) *Harness {
	return NewHarness(h.T, h.Env, cred)
}

// MkRG creates resource group name in eastus.
func (h *Harness) MkRG(name string) string {
	h.T.Helper()
	res, err := h.RG.CreateOrUpdate(h.Ctx, name, armresources.ResourceGroup{Location: to.Ptr("eastus")}, nil)
	if err != nil {
		h.T.Fatalf("create resource group %s: %v", name, err)
	}
	return *res.ID
}

// RGID is the id of resource group name.
func (h *Harness) RGID(name string) string {
	return "/subscriptions/" + h.Sub + "/resourceGroups/" + name
}

// VNet creates a VNet with address space space and the given inline subnets
// ("name=prefix").
func (h *Harness) VNet(rg, name, space string, subnets ...string) armnetwork.VirtualNetwork {
	h.T.Helper()
	v := VNetBody(space, subnets...)
	res, err := h.PutVNet(rg, name, v)
	if err != nil {
		h.T.Fatalf("create vnet %s: %v", name, err)
	}
	return res
}

// VNetBody is a VNet in eastus with address space space and inline subnets
// ("name=prefix").
func VNetBody(space string, subnets ...string) armnetwork.VirtualNetwork {
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

// PutVNet creates or updates VNet name in rg as v.
func (h *Harness) PutVNet(rg, name string, v armnetwork.VirtualNetwork) (armnetwork.VirtualNetwork, error) {
	p, err := h.Net.NewVirtualNetworksClient().BeginCreateOrUpdate(h.Ctx, rg, name, v, nil)
	res, err := LRO(h.Ctx, p, err)
	return res.VirtualNetwork, err
}

// PutSubnet creates or updates subnet name of vnet as s.
func (h *Harness) PutSubnet(rg, vnet, name string, s armnetwork.Subnet) (armnetwork.Subnet, error) {
	p, err := h.Net.NewSubnetsClient().BeginCreateOrUpdate(h.Ctx, rg, vnet, name, s, nil)
	res, err := LRO(h.Ctx, p, err)
	return res.Subnet, err
}

// PutRouteTable creates or updates route table name (in eastus unless rt has
// a location).
func (h *Harness) PutRouteTable(rg, name string, rt armnetwork.RouteTable) (armnetwork.RouteTable, error) {
	if rt.Location == nil {
		rt.Location = to.Ptr("eastus")
	}
	p, err := h.Net.NewRouteTablesClient().BeginCreateOrUpdate(h.Ctx, rg, name, rt, nil)
	res, err := LRO(h.Ctx, p, err)
	return res.RouteTable, err
}

// PutRoute creates or updates route name of table.
func (h *Harness) PutRoute(rg, table, name string, r armnetwork.Route) (armnetwork.Route, error) {
	p, err := h.Net.NewRoutesClient().BeginCreateOrUpdate(h.Ctx, rg, table, name, r, nil)
	res, err := LRO(h.Ctx, p, err)
	return res.Route, err
}

// PutNSG creates or updates network security group name (in eastus unless g
// has a location).
func (h *Harness) PutNSG(rg, name string, g armnetwork.SecurityGroup) (armnetwork.SecurityGroup, error) {
	if g.Location == nil {
		g.Location = to.Ptr("eastus")
	}
	p, err := h.Net.NewSecurityGroupsClient().BeginCreateOrUpdate(h.Ctx, rg, name, g, nil)
	res, err := LRO(h.Ctx, p, err)
	return res.SecurityGroup, err
}

// PutSecurityRule creates or updates security rule name of nsg.
func (h *Harness) PutSecurityRule(rg, nsg, name string, r armnetwork.SecurityRule) (armnetwork.SecurityRule, error) {
	p, err := h.Net.NewSecurityRulesClient().BeginCreateOrUpdate(h.Ctx, rg, nsg, name, r, nil)
	res, err := LRO(h.Ctx, p, err)
	return res.SecurityRule, err
}

// nic creates a network interface with one dynamic IP configuration in subnetID.
func (h *Harness) PutNIC(rg, name, subnetID string) (armnetwork.Interface, error) {
	p, err := h.Net.NewInterfacesClient().BeginCreateOrUpdate(h.Ctx, rg, name, armnetwork.Interface{
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
	res, err := PollDone(h.Ctx, p)
	return res.Interface, err
}

// OpTimeout bounds every wait for a long-running operation or a controller.
const OpTimeout = 20 * time.Second

// PollDone drives a poller to its end without PollUntilDone's Retry-After
// pauses, polling at most every 10 ms for at most OpTimeout. (smoke_test.go
// runs PollUntilDone itself.)
func PollDone[T any](ctx context.Context, p *runtime.Poller[T]) (T, error) {
	deadline := time.Now().Add(OpTimeout)
	for !p.Done() {
		if time.Now().After(deadline) {
			var zero T
			return zero, fmt.Errorf("operation still in progress after %s", OpTimeout)
		}
		if _, err := p.Poll(ctx); err != nil {
			var zero T
			return zero, err
		}
		if !p.Done() {
			if err := Pause(ctx, 10*time.Millisecond); err != nil {
				var zero T
				return zero, err
			}
		}
	}
	return p.Result(ctx)
}

// Pause waits d, or until ctx ends (its error).
func Pause(ctx context.Context, d time.Duration) error {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}

// Eventually polls cond until it returns "" or timeout passes, then fails
// with cond's last complaint.
func Eventually(t testing.TB, timeout time.Duration, cond func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for msg := cond(); msg != ""; msg = cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", timeout, msg)
		}
		_ = Pause(context.Background(), 10*time.Millisecond)
	}
}

// LRO drives the poller of a Begin… call, which answered p and err, to its
// result.
func LRO[T any](ctx context.Context, p *runtime.Poller[T], err error) (T, error) {
	if err != nil {
		var zero T
		return zero, err
	}
	return PollDone(ctx, p)
}

// Pages reads p to its end and returns its pages in order (those read before
// an error, with it).
func Pages[T any](ctx context.Context, p *runtime.Pager[T]) ([]T, error) {
	var out []T
	for p.More() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return out, err
		}
		out = append(out, page)
	}
	return out, nil
}

// AllPages reads pager to its end with h's context, failing the test on an
// error.
func AllPages[T any](h *Harness, pager *runtime.Pager[T]) []T {
	h.T.Helper()
	pages, err := Pages(h.Ctx, pager)
	if err != nil {
		h.T.Fatal(err)
	}
	return pages
}

// Flatten joins the items that values picks from each page, in order.
func Flatten[P, T any](pages []P, values func(P) []T) []T {
	var out []T
	for _, p := range pages {
		out = append(out, values(p)...)
	}
	return out
}

// ListAll returns the items that values picks from every page of pager, in
// order, failing the test on an error.
func ListAll[P, T any](h *Harness, pager *runtime.Pager[P], values func(P) []T) []T {
	h.T.Helper()
	return Flatten(AllPages(h, pager), values)
}

// DeleteLRO runs a Begin…Delete poller to the end.
func DeleteLRO[T any](ctx context.Context, p *runtime.Poller[T], err error) error {
	_, err = LRO(ctx, p, err)
	return err
}

// RawResp is an answer to a plain HTTP request.
type RawResp struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r RawResp) APIErr(t testing.TB) APIError {
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

func (r RawResp) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Token returns an access token of h's principal for the server.
func (h *Harness) Token() string {
	h.T.Helper()
	tok, err := h.Cred.GetToken(h.Ctx, policy.TokenRequestOptions{Scopes: []string{h.Env.URL + "/.default"}})
	if err != nil {
		h.T.Fatalf("get token: %v", err)
	}
	return tok.Token
}

// Do sends a plain HTTP request with h's token. pathQuery is sent as given;
// body is sent as is when it is []byte or string, and as JSON otherwise.
func (h *Harness) Do(method, pathQuery string, body any, headers ...string) RawResp {
	h.T.Helper()
	return DoRaw(h.T, h.Env, method, pathQuery, body, append([]string{"Authorization", "Bearer " + h.Token()}, headers...)...)
}

// DoRaw sends a plain HTTP request; headers are name, value pairs.
func DoRaw(t testing.TB, e *Env, method, pathQuery string, body any, headers ...string) RawResp {
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
	return RawResp{Status: resp.StatusCode, Header: resp.Header, Body: out}
}

// Get reads the stored document at id, with an api-version its type
// serves (ReadVersion).
func (h *Harness) Get(id string) []byte {
	h.T.Helper()
	r := h.Do(http.MethodGet, id+"?api-version="+ReadVersion(id), nil)
	if r.Status != http.StatusOK {
		h.T.Fatalf("GET %s: %d %s", id, r.Status, r.Body)
	}
	return r.Body
}

// Exists reports whether GET id answers 200 (false on 404).
func (h *Harness) Exists(id string) bool {
	h.T.Helper()
	r := h.Do(http.MethodGet, id+"?api-version="+ReadVersion(id), nil)
	switch r.Status {
	case http.StatusOK:
		return true
	case http.StatusNotFound:
		return false
	}
	h.T.Fatalf("GET %s: %d %s", id, r.Status, r.Body)
	return false
}

// Snapshot remembers the stored documents of ids, for unchanged.
func (h *Harness) Snapshot(ids ...string) map[string]string {
	h.T.Helper()
	out := map[string]string{}
	for _, id := range ids {
		out[id] = string(h.Get(id))
	}
	return out
}

// Unchanged fails the test when a document differs from its snapshot: a
// refused write must store nothing (ETags change on every write, so an
// identical document was not rewritten).
func (h *Harness) Unchanged(before map[string]string) {
	h.T.Helper()
	for id, doc := range before {
		if now := string(h.Get(id)); now != doc {
			h.T.Errorf("refused write changed %s:\nbefore %s\nafter  %s", id, doc, now)
		}
	}
}

// Damage stores damaged at key in place of the record there, for tests of a
// stored record that does not decode. It fails the test when key holds
// nothing. The returned repair puts the record back and returns what key
// held just before, so that a test can check that no refused write replaced
// the damage.
func (h *Harness) Damage(key string, damaged []byte) (repair func() []byte) {
	h.T.Helper()
	saved := h.swapRecord(key, damaged)
	return func() []byte {
		h.T.Helper()
		return h.swapRecord(key, saved)
	}
}

// swapRecord stores value at key, which must hold a record, and returns the
// record it replaced.
func (h *Harness) swapRecord(key string, value []byte) []byte {
	h.T.Helper()
	var old []byte
	if err := h.Env.Plane.ARM.Update(h.Ctx, func(c *arm.Call) error {
		raw, ok := c.Tx.Get(key)
		if !ok {
			return fmt.Errorf("no record at %s", key)
		}
		old = bytes.Clone(raw)
		c.Tx.Put(key, value)
		return nil
	}); err != nil {
		h.T.Fatal(err)
	}
	return old
}

// Raw sends a plain HTTP request without a body with h's token and returns
// status and body.
func (h *Harness) Raw(method, pathQuery string) (int, []byte) {
	h.T.Helper()
	r := h.Do(method, pathQuery, nil)
	return r.Status, r.Body
}

// Planes. Most tests share one control plane per name (starting one costs
// about a second) and stay apart through their own resource groups; a test
// package's TestMain calls StopPlanes.
var (
	planesMu sync.Mutex
	planes   = map[string]*planeEntry{}
)

type planeEntry struct {
	env *Env
	dir string
	err error
}

// Plane returns the named shared control plane, started with o on first use.
func Plane(t testing.TB, name string, o Options) *Env {
	t.Helper()
	planesMu.Lock()
	p, ok := planes[name]
	if !ok {
		p = &planeEntry{}
		planes[name] = p
		p.dir, p.err = os.MkdirTemp("", "aksnet-plane-"+name+"-")
		if p.err == nil {
			o.StateDir = p.dir
			p.env, p.err = StartDir(o)
		}
	}
	planesMu.Unlock()
	if p.err != nil {
		t.Fatalf("start control plane %s: %v", name, p.err)
	}
	return p.env
}

// StopPlanes stops every plane Plane started and removes their state.
func StopPlanes() {
	planesMu.Lock()
	defer planesMu.Unlock()
	for _, p := range planes {
		if p.env != nil {
			StopQuickly(p.env)
		}
		_ = os.RemoveAll(p.dir)
	}
}

var rgUnsafe = regexp.MustCompile(`[^A-Za-z0-9_-]`)

// RGName returns a resource group name unique to the running test and to
// this process (with -count, a test's later runs get "-2", "-3"…).
func RGName(t testing.TB, suffix ...string) string {
	n := rgUnsafe.ReplaceAllString(t.Name(), "-")
	if len(suffix) > 0 {
		n += "-" + strings.Join(suffix, "-")
	}
	if len(n) > 70 {
		n = n[len(n)-70:]
	}
	rgNamesMu.Lock()
	defer rgNamesMu.Unlock()
	rgNames[n]++
	if k := rgNames[n]; k > 1 {
		n += "-" + strconv.Itoa(k)
	}
	return "rg-" + n
}

var (
	rgNamesMu sync.Mutex
	rgNames   = map[string]int{}
)

// RGExists reports whether resource group name exists.
func (h *Harness) RGExists(name string) bool {
	h.T.Helper()
	res, err := h.RG.CheckExistence(h.Ctx, name, nil)
	if err != nil {
		h.T.Fatalf("check resource group %s: %v", name, err)
	}
	return res.Success
}

// Identity creates a user-assigned identity and returns its id and
// principal id.
func (h *Harness) Identity(rg, name string) (id, principal string) {
	h.T.Helper()
	res, err := h.MSI.CreateOrUpdate(h.Ctx, rg, name, armmsi.Identity{Location: to.Ptr("eastus")}, nil)
	if err != nil {
		h.T.Fatalf("create identity %s: %v", name, err)
	}
	return *res.ID, *res.Properties.PrincipalID
}

// Grant gives service principal principal the role (a GUID) at scope.
func (h *Harness) Grant(scope, principal, role string) {
	h.T.Helper()
	_, err := h.Auth.NewRoleAssignmentsClient().Create(h.Ctx, scope, uuid.NewString(), armauthorization.RoleAssignmentCreateParameters{
		Properties: &armauthorization.RoleAssignmentProperties{
			RoleDefinitionID: to.Ptr("/subscriptions/" + h.Sub + "/providers/Microsoft.Authorization/roleDefinitions/" + role),
			PrincipalID:      to.Ptr(principal),
			PrincipalType:    to.Ptr(armauthorization.PrincipalTypeServicePrincipal),
		},
	}, nil)
	if err != nil {
		h.T.Fatalf("assign role %s to %s at %s: %v", role, principal, scope, err)
	}
}

// NIC creates a network interface with a dynamic address in subnetID.
func (h *Harness) NIC(rg, name, subnetID string) armnetwork.Interface {
	h.T.Helper()
	nic, err := h.PutNIC(rg, name, subnetID)
	if err != nil {
		h.T.Fatalf("create NIC %s: %v", name, err)
	}
	return nic
}

// ResourcesIn lists the resources of a resource group as "type/name",
// sorted.
func (h *Harness) ResourcesIn(rg string) []string {
	h.T.Helper()
	pages, err := Pages(h.Ctx, h.Res.NewListByResourceGroupPager(rg, nil))
	if err != nil {
		h.T.Fatalf("list resources of %s: %v", rg, err)
	}
	var out []string
	for _, page := range pages {
		for _, r := range page.Value {
			out = append(out, *r.Type+"/"+*r.Name)
		}
	}
	slices.Sort(out)
	return out
}

// ReadVersion is an api-version the type of id is served at: the network
// RP's and AKS's 2024-05-01, except for namespaces that have no such
// version (identities 2023-01-31, authorization 2022-04-01).
func ReadVersion(id string) string {
	switch strings.ToLower(arm.TypeOfID(id)[:max(0, strings.IndexByte(arm.TypeOfID(id), '/'))]) {
	case "microsoft.managedidentity":
		return "2023-01-31"
	case "microsoft.authorization":
		return "2022-04-01"
	}
	return "2024-05-01"
}
