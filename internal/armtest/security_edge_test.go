package armtest

// Security tests for issue 13, points 5 to 8: input that reaches headers or
// ids, operation status, exhaustion and secrets. Each drives the real HTTPS
// API, shows the attack refused with Azure's answer, and checks that nothing
// changed in the store.

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
	"github.com/aksnet/aksnet/internal/cli"
	"github.com/aksnet/aksnet/internal/controlplane"
)

var securityGUID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// ---- Point 5: input that reaches headers or ids ----

// TestSecurity_Location_UnknownRegionRefused: a location the server doesn't
// offer is refused with ARM's codes, before anything is stored. ARM answers
// 400 LocationNotAvailableForResourceGroup for groups (message "The provided
// location 'x' is not available for resource group. List of available
// regions is '…'.", Azure/azure-cli#16368) and 400
// LocationNotAvailableForResourceType for resources ("… is not available for
// resource type 'T'. List of available regions for the resource type is
// '…'.", Azure/azure-rest-api-specs#8347).
func TestSecurity_Location_UnknownRegionRefused(t *testing.T) {
	h, rg := parallelRG(t)
	const av = "?api-version=2024-05-01"

	for _, loc := range []string{"mars", "eastus\r\nX-Injected: 1", "east us\x00", "../eastus", strings.Repeat("a", 5000)} {
		name := uniqueRG(t) + "-x"
		r := h.Do(http.MethodPut, h.RGID(name)+"?api-version=2021-04-01", map[string]any{"location": loc})
		want{Status: http.StatusBadRequest, Code: "LocationNotAvailableForResourceGroup", Target: "location",
			Mentions: []string{"is not available for resource group", "eastus"}}.Check(t, r.APIErr(t))
		if _, ok := r.Header["X-Injected"]; ok {
			t.Errorf("location %q injected a header", loc)
		}
		if h.Exists(h.RGID(name)) {
			t.Errorf("group created in location %q", loc)
		}

		vnetID := h.RGID(rg) + "/providers/Microsoft.Network/virtualNetworks/v-" + fmt.Sprint(len(loc))
		body := VNetBody("10.60.0.0/16")
		body.Location = to.Ptr(loc)
		r = h.Do(http.MethodPut, vnetID+av, body)
		want{Status: http.StatusBadRequest, Code: "LocationNotAvailableForResourceType", Target: "location",
			Mentions: []string{"Microsoft.Network/virtualNetworks", "List of available regions for the resource type"}}.Check(t, r.APIErr(t))
		if h.Exists(vnetID) {
			t.Errorf("VNet created in location %q", loc)
		}
		idID := h.RGID(rg) + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-" + fmt.Sprint(len(loc))
		r = h.Do(http.MethodPut, idID+"?api-version=2023-01-31", map[string]any{"location": loc})
		want{Status: http.StatusBadRequest, Code: "LocationNotAvailableForResourceType", Target: "location",
			Mentions: []string{"Microsoft.ManagedIdentity/userAssignedIdentities"}}.Check(t, r.APIErr(t))
		if h.Exists(idID) {
			t.Errorf("identity created in location %q", loc)
		}
	}

	// ARM's spellings of a real region are accepted and stored normalised.
	res, err := h.RG.CreateOrUpdate(h.Ctx, uniqueRG(t)+"-ok", armresources.ResourceGroup{Location: to.Ptr("West Europe")}, nil)
	if err != nil || *res.Location != "westeurope" {
		t.Fatalf("group in 'West Europe': %v %v, want location westeurope", err, res.Location)
	}
}

// TestSecurity_Location_ListLocations: GET /subscriptions/{id}/locations
// lists the regions a location must be one of, each accepted.
func TestSecurity_Location_ListLocations(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.Do(http.MethodGet, "/subscriptions/"+h.Sub+"/locations?api-version=2022-12-01", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("list locations: %d %s", r.Status, r.Body)
	}
	var list struct {
		Value []struct {
			ID, Name, DisplayName, Type string
		} `json:"value"`
	}
	r.Decode(t, &list)
	byName := map[string]string{}
	for _, l := range list.Value {
		byName[l.Name] = l.DisplayName
		if l.ID != "/subscriptions/"+h.Sub+"/locations/"+l.Name || l.Type != "Region" {
			t.Errorf("location %+v", l)
		}
	}
	if byName["eastus"] != "East US" || byName["westeurope"] != "West Europe" || len(byName) < 30 {
		t.Errorf("locations %v", byName)
	}
	// Without a token: 401, as every ARM read.
	if r := DoRaw(t, h.Env, http.MethodGet, "/subscriptions/"+h.Sub+"/locations?api-version=2022-12-01", nil); r.Status != http.StatusUnauthorized {
		t.Errorf("list locations without a token: %d", r.Status)
	}
}

// TestSecurity_Headers_NoControlCharacters: what a client sends never
// reaches a response header with a control character or unbounded: the
// echoed tracing ids are checked (printable ASCII, at most 128 bytes, else a
// fresh GUID / nothing), and an api-version carrying CR LF or NUL (which
// would reach the Location and Azure-AsyncOperation URLs) is refused.
func TestSecurity_Headers_NoControlCharacters(t *testing.T) {
	h, rg := parallelRG(t)
	v := h.VNet(rg, "vnet1", "10.61.0.0/16")
	before := h.Snapshot(*v.ID)

	// Percent-encoded CR LF and NUL in the api-version of an async DELETE.
	for _, av := range []string{"2024-05-01%0d%0aX-Injected:%201", "2024-05-01%00", "2024-05-01%0a"} {
		r := h.Do(http.MethodDelete, *v.ID+"?api-version="+av, nil)
		want{Status: http.StatusBadRequest, Code: "InvalidApiVersionParameter"}.Check(t, r.APIErr(t))
		if _, ok := r.Header["X-Injected"]; ok {
			t.Errorf("api-version %q injected a header", av)
		}
		for k, vs := range r.Header {
			for _, hv := range vs {
				if strings.ContainsAny(hv, "\r\n\x00") {
					t.Errorf("header %s carries a control character: %q", k, hv)
				}
			}
		}
	}
	h.Unchanged(before)

	// Tracing ids: echoed only when printable and short. Go's client refuses
	// to send CR, LF or NUL, so the raw request is written by hand.
	for _, tc := range []struct {
		name, value string
		echoed      bool
	}{
		{"guid", "6f8e3c0a-1b2d-4e5f-8a9b-0c1d2e3f4a5b", true},
		{"overlong", strings.Repeat("a", 4000), false},
		{"non-ASCII", "caf\xc3\xa9", false},
	} {
		resp := rawTLSRequest(t, h.Env, "GET /subscriptions/"+h.Sub+"/resourceGroups?api-version=2021-04-01 HTTP/1.1\r\n"+
			"Host: "+strings.TrimPrefix(h.Env.URL, "https://")+"\r\nAuthorization: Bearer "+h.Token()+"\r\n"+
			"x-ms-correlation-request-id: "+tc.value+"\r\nx-ms-client-request-id: "+tc.value+"\r\nConnection: close\r\n\r\n")
		corr := resp.Header.Get("x-ms-correlation-request-id")
		if tc.echoed && corr != tc.value || !tc.echoed && !securityGUID.MatchString(corr) {
			t.Errorf("%s: correlation id %q", tc.name, corr)
		}
		if cid := resp.Header.Get("x-ms-client-request-id"); tc.echoed != (cid == tc.value) || !tc.echoed && cid != "" {
			t.Errorf("%s: client request id echoed as %q", tc.name, cid)
		}
	}
	// A header value with a control character never reaches a handler: Go's
	// server refuses the request itself.
	resp := rawTLSRequest(t, h.Env, "GET /healthz HTTP/1.1\r\nHost: "+strings.TrimPrefix(h.Env.URL, "https://")+
		"\r\nx-ms-client-request-id: a\x00b\r\nConnection: close\r\n\r\n")
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("x-ms-client-request-id") != "" {
		t.Errorf("NUL in a header: %d %v", resp.StatusCode, resp.Header)
	}
}

// rawTLSRequest writes raw to a new TLS connection to e and reads one answer.
func rawTLSRequest(t *testing.T, e *Env, raw string) *http.Response {
	t.Helper()
	conn, err := tls.Dial("tcp", strings.TrimPrefix(e.URL, "https://"), &tls.Config{RootCAs: e.Plane.TLS.CertPool(), ServerName: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// TestSecurity_UserAssignedIdentities_NotAnIdentityID: a key of
// identity.userAssignedIdentities that is not the id of a user-assigned
// identity is a 400, not a 500. ARM answers a key that is not a resource id
// with LinkedInvalidPropertyId ("Property id 'x' at path '…' is invalid.
// Expect fully qualified resource Id that start with
// '/subscriptions/{subscriptionId}' or '/providers/{resourceProviderNamespace}/'.",
// MicrosoftDocs/azure-docs#112377). Before the fix, the id of a VNet was
// loaded as an identity and the cluster PUT panicked (500).
func TestSecurity_UserAssignedIdentities_NotAnIdentityID(t *testing.T) {
	h, rg := parallelRG(t)
	v := h.VNet(rg, "vnet1", "10.62.0.0/16", "s1=10.62.1.0/24")
	goodID := h.RGID(rg) + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1"
	if r := h.Do(http.MethodPut, goodID+"?api-version=2023-01-31", map[string]any{"location": "eastus"}); r.Status != http.StatusCreated {
		t.Fatalf("create identity: %d %s", r.Status, r.Body)
	}
	before := h.Snapshot(*v.ID, goodID, h.RGID(rg))
	clusterID := h.RGID(rg) + "/providers/Microsoft.ContainerService/managedClusters/aks1"
	for _, key := range []string{
		"id1",
		*v.ID,
		*v.ID + "/subnets/s1",
		h.RGID(rg),
		goodID + "/extra/x",
		goodID + "?x=1",
		"/subscriptions/" + h.Sub + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1",
		"https://evil.example/" + goodID,
		goodID + "\r\nX-Injected: 1",
	} {
		body := map[string]any{
			"location": "eastus",
			"identity": map[string]any{"type": "UserAssigned", "userAssignedIdentities": map[string]any{key: map[string]any{}}},
			"properties": map[string]any{
				"dnsPrefix":         "aks1",
				"agentPoolProfiles": []any{map[string]any{"name": "nodepool1", "count": 1, "vmSize": "Standard_DS2_v2", "mode": "System", "osType": "Linux"}},
				"networkProfile":    map[string]any{"networkPlugin": "kubenet"},
			},
		}
		r := h.Do(http.MethodPut, clusterID+"?api-version=2024-05-01", body)
		want{Status: http.StatusBadRequest, Code: "LinkedInvalidPropertyId", Target: "identity.userAssignedIdentities",
			Mentions: []string{"Expect fully qualified resource Id", "Microsoft.ManagedIdentity/userAssignedIdentities"}}.Check(t, r.APIErr(t))
		if h.Exists(clusterID) {
			t.Fatalf("cluster created with identity key %q", key)
		}
	}
	h.Unchanged(before)
}

// ---- Point 6: operation status ----

// TestSecurity_OperationStatus_NeedsReadOnTheResource: the
// Azure-AsyncOperation and Location (operationresults) URLs need a valid
// token (401 AuthenticationFailed without one) and read access to the
// resource the operation is about (403 AuthorizationFailed naming the read
// action), as every ARM read; the URL must name the operation's own
// subscription (an unknown one is 404 SubscriptionNotFound).
func TestSecurity_OperationStatus_NeedsReadOnTheResource(t *testing.T) {
	t.Parallel()
	admin := newHarness(t)
	rgA, rgB := uniqueRG(t)+"-a", uniqueRG(t)+"-b"
	admin.MkRG(rgA)
	admin.MkRG(rgB)
	v := admin.VNet(rgA, "vnet1", "10.63.0.0/16")
	del := admin.Do(http.MethodDelete, *v.ID+"?api-version=2024-05-01", nil)
	if del.Status != http.StatusAccepted {
		t.Fatalf("delete VNet: %d %s", del.Status, del.Body)
	}
	opURLs := []string{mustRequestURI(t, del.Header.Get("Azure-AsyncOperation")), mustRequestURI(t, del.Header.Get("Location"))}

	outsiderApp, outsiderID, outsiderSecret := admin.newServicePrincipal("op-outsider-" + strings.ToLower(t.Name()))
	readerApp, readerID, readerSecret := admin.newServicePrincipal("op-reader-" + strings.ToLower(t.Name()))
	admin.mustAssign(admin.RGID(rgB), readerRole, outsiderID) // Reader elsewhere only
	admin.mustAssign(admin.RGID(rgA), readerRole, readerID)
	outsider := admin.As(admin.Env.CredentialFor(t, outsiderApp.AppID, outsiderSecret))
	reader := admin.As(admin.Env.CredentialFor(t, readerApp.AppID, readerSecret))

	for _, u := range opURLs {
		r := DoRaw(t, admin.Env, http.MethodGet, u, nil)
		want{Status: http.StatusUnauthorized, Code: "AuthenticationFailed"}.Check(t, r.APIErr(t))
		r = DoRaw(t, admin.Env, http.MethodGet, u, nil, "Authorization", "Bearer not-a-token")
		if r.Status != http.StatusUnauthorized {
			t.Errorf("GET %s with a bad token: %d", u, r.Status)
		}
		r = outsider.Do(http.MethodGet, u, nil)
		want{Status: http.StatusForbidden, Code: "AuthorizationFailed",
			Mentions: []string{outsiderID, "Microsoft.Network/virtualNetworks/read", Fold(*v.ID)}}.Check(t, r.APIErr(t))
		if r := reader.Do(http.MethodGet, u, nil); r.Status != http.StatusOK && r.Status != http.StatusNoContent {
			t.Errorf("Reader on the resource's group polls %s: %d %s", u, r.Status, r.Body)
		}
		// Another subscription in the URL: not this operation.
		other := strings.Replace(u, admin.Sub, "00000000-0000-0000-0000-000000000001", 1)
		r = admin.Do(http.MethodGet, other, nil)
		want{Status: http.StatusNotFound, Code: "SubscriptionNotFound"}.Check(t, r.APIErr(t))
	}
}

// ---- Point 7: exhaustion ----

// TestSecurity_Exhaustion_SlowClientsDontStarve: 300 connections that never
// finish a request (raw TCP with no TLS handshake, TLS with no request, and
// TLS trickling a request one byte at a time) don't keep a normal client
// from being served promptly, and the server closes every one of them once
// its header timeout passes. A kept-alive connection is closed once idle.
func TestSecurity_Exhaustion_SlowClientsDontStarve(t *testing.T) {
	// The header timeout also bounds the attacker's own TLS handshakes (the
	// server reads the handshake inside the header read), so it must leave
	// 200 concurrent handshakes time to finish on a loaded 2-core machine;
	// the normal request must be served well within it, while every slow
	// connection is still open.
	const headerTimeout, idleTimeout = 5 * time.Second, 700 * time.Millisecond
	h := ownHarness(t, Options{HTTP: controlplane.HTTPLimits{ReadHeaderTimeout: headerTimeout, ReadTimeout: 2 * headerTimeout,
		WriteTimeout: 10 * time.Second, IdleTimeout: idleTimeout}})
	addr := strings.TrimPrefix(h.Env.URL, "https://")
	tok := h.Token() // before the attack: the token endpoint is a request too
	tlsConf := &tls.Config{RootCAs: h.Env.Plane.TLS.CertPool(), ServerName: "localhost"}

	const perKind = 100
	var conns []net.Conn
	var connsMu sync.Mutex
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	var wg sync.WaitGroup
	for i := range 3 * perKind {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.DialTimeout("tcp", addr, 10*time.Second)
			if err != nil {
				t.Errorf("dial %d: %v", i, err)
				return
			}
			// Kind 0 stays silent before the handshake; kinds 1 and 2
			// shake hands first.
			if i%3 != 0 {
				tc := tls.Client(c, tlsConf)
				_ = tc.SetDeadline(time.Now().Add(10 * time.Second))
				if err := tc.Handshake(); err != nil {
					// The server gave up on a handshake slower than its
					// header timeout: that is the defence working.
					t.Logf("handshake %d: %v", i, err)
				}
				_ = tc.SetDeadline(time.Time{})
				c = tc
			}
			// Kind 1 is silent from then on; kind 2 sends a request that
			// never ends, a byte at a time.
			if i%3 == 2 {
				go func() {
					for _, b := range []byte("GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa") {
						if _, err := c.Write([]byte{b}); err != nil {
							return
						}
						time.Sleep(100 * time.Millisecond)
					}
				}()
			}
			connsMu.Lock()
			conns = append(conns, c)
			connsMu.Unlock()
		}()
	}
	wg.Wait()
	attackStarted := time.Now()

	// A normal client, on a new connection, is served promptly.
	fresh := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsConf}, Timeout: 10 * time.Second}
	defer fresh.CloseIdleConnections()
	start := time.Now()
	req, _ := http.NewRequest(http.MethodGet, h.Env.URL+"/subscriptions/"+h.Sub+"/resourceGroups?api-version=2021-04-01", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := fresh.Do(req)
	if err != nil {
		t.Fatalf("normal request during the attack: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("normal request during the attack: %d", resp.StatusCode)
	}
	if d := time.Since(start); d >= headerTimeout {
		t.Errorf("normal request took %v while %d slow connections were open", d, len(conns))
	}

	// Every slow connection is closed by the server after the timeout.
	var closed sync.WaitGroup
	var mu sync.Mutex
	late := 0
	for _, c := range conns {
		closed.Add(1)
		go func() {
			defer closed.Done()
			_ = c.SetReadDeadline(attackStarted.Add(headerTimeout + 8*time.Second))
			buf := make([]byte, 4096)
			for {
				_, err := c.Read(buf)
				if err == nil {
					continue // a 408 or an alert before the close
				}
				if ne, ok := err.(net.Error); ok && ne.Timeout() {
					mu.Lock()
					late++
					mu.Unlock()
				}
				return
			}
		}()
	}
	closed.Wait()
	if late > 0 {
		t.Errorf("%d of %d slow connections still open %v after the header timeout", late, len(conns), 8*time.Second)
	}

	// A kept-alive connection with nothing in flight is closed once idle.
	c, err := tls.Dial("tcp", addr, tlsConf)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
	br := bufio.NewReader(c)
	r, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, r.Body)
	r.Body.Close()
	idleFrom := time.Now()
	_ = c.SetReadDeadline(time.Now().Add(idleTimeout + 8*time.Second))
	if _, err := br.ReadByte(); err == nil {
		t.Error("server sent data on an idle connection")
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Errorf("idle connection still open after %v", time.Since(idleFrom))
	}

	// Oversized headers are refused (431) rather than buffered.
	big := rawTLSRequest(t, h.Env, "GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: "+strings.Repeat("a", 200<<10)+"\r\nConnection: close\r\n\r\n")
	if big.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("200 KiB of headers: %d, want 431", big.StatusCode)
	}
}

// TestSecurity_Exhaustion_TokenEndpointRateLimited: a client hammering the
// token endpoint (here guessing secrets) gets 429 with Retry-After in Entra
// ID's error format (temporarily_unavailable, which MSAL retries after
// Retry-After), while another client is still served. Changing the Host
// header doesn't reset the budget.
func TestSecurity_Exhaustion_TokenEndpointRateLimited(t *testing.T) {
	h := ownHarness(t, Options{TokenRate: 0.5, TokenBurst: 5})
	victimApp, _, _ := h.newServicePrincipal("guessed-" + strings.ToLower(t.Name()))
	victim := victimApp.AppID
	post := func(host, clientID, secret string) RawResp {
		t.Helper()
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {secret},
			"scope": {h.Env.URL + "/.default"}}
		req, _ := http.NewRequest(http.MethodPost, h.Env.URL+"/adfs/oauth2/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if host != "" {
			req.Host = host
		}
		resp, err := h.Env.HTTP.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return RawResp{Status: resp.StatusCode, Header: resp.Header, Body: b}
	}
	for i := range 5 {
		if r := post("", victim, fmt.Sprintf("guess-%d", i)); r.Status != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d %s, want 401 invalid_client", i, r.Status, r.Body)
		}
	}
	for _, host := range []string{"", strings.Replace(strings.TrimPrefix(h.Env.URL, "https://"), "localhost", "127.0.0.1", 1)} {
		r := post(host, victim, "guess-again")
		if r.Status != http.StatusTooManyRequests {
			t.Fatalf("guess over the limit (Host %q): %d %s, want 429", host, r.Status, r.Body)
		}
		if ra := r.Header.Get("Retry-After"); ra == "" || ra == "0" {
			t.Errorf("429 without a useful Retry-After: %q", ra)
		}
		var e struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
			Codes       []int  `json:"error_codes"`
		}
		if err := json.Unmarshal(r.Body, &e); err != nil || e.Error != "temporarily_unavailable" || len(e.Codes) != 1 || e.Codes[0] != 50196 ||
			!strings.HasPrefix(e.Description, "AADSTS50196:") {
			t.Errorf("429 body %s", r.Body)
		}
		if securityGUID.FindString(r.Header.Get("x-ms-request-id")) == "" {
			t.Errorf("429 without x-ms-request-id: %v", r.Header)
		}
	}
	// The admin, another client, still signs in.
	if r := post("", h.Env.Creds.AppID, h.Env.Creds.Password); r.Status != http.StatusOK {
		t.Errorf("another client during the attack: %d %s", r.Status, r.Body)
	}
}

// TestSecurity_Exhaustion_AgentPoolLimit: a cluster may have at most 100
// agent pools ("Maximum node pools per cluster: 100", AKS quotas and
// limits); AKS's code for more is MaxAgentPoolCountReached (the AKS resource
// provider's error codes, package apierror). Both ways to add pools are
// bounded: a cluster PUT with 101 profiles and a 101st agentPools PUT.
func TestSecurity_Exhaustion_AgentPoolLimit(t *testing.T) {
	h, rg := parallelRG(t)
	clusterID := h.RGID(rg) + "/providers/Microsoft.ContainerService/managedClusters/aks1"
	pools := func(n int) []any {
		out := []any{map[string]any{"name": "system", "count": 1, "vmSize": "Standard_DS2_v2", "mode": "System", "osType": "Linux"}}
		for i := 1; i < n; i++ {
			out = append(out, map[string]any{"name": fmt.Sprintf("user%d", i), "count": 0, "vmSize": "Standard_DS2_v2", "mode": "User", "osType": "Linux"})
		}
		return out
	}
	cluster := func(n int) map[string]any {
		return map[string]any{"location": "eastus", "identity": map[string]any{"type": "SystemAssigned"},
			"properties": map[string]any{"dnsPrefix": "aks1", "agentPoolProfiles": pools(n), "networkProfile": map[string]any{"networkPlugin": "kubenet"}}}
	}
	r := h.Do(http.MethodPut, clusterID+"?api-version=2024-05-01", cluster(101))
	want{Status: http.StatusBadRequest, Code: "MaxAgentPoolCountReached", Target: "properties.agentPoolProfiles",
		Mentions: []string{"101", "at most 100"}}.Check(t, r.APIErr(t))
	if h.Exists(clusterID) {
		t.Fatal("cluster with 101 agent pools created")
	}

	r = h.Do(http.MethodPut, clusterID+"?api-version=2024-05-01", cluster(100))
	if r.Status != http.StatusCreated {
		t.Fatalf("cluster with 100 agent pools: %d %s", r.Status, r.Body)
	}
	waitSucceeded(t, h, r)
	before := h.Snapshot(clusterID)
	r = h.Do(http.MethodPut, clusterID+"/agentPools/onetoomany?api-version=2024-05-01",
		map[string]any{"properties": map[string]any{"count": 0, "vmSize": "Standard_DS2_v2", "mode": "User", "osType": "Linux"}})
	want{Status: http.StatusBadRequest, Code: "MaxAgentPoolCountReached", Mentions: []string{"101", "at most 100"}}.Check(t, r.APIErr(t))
	if h.Exists(clusterID + "/agentPools/onetoomany") {
		t.Error("101st agent pool created")
	}
	h.Unchanged(before)
}

// waitSucceeded polls the Azure-AsyncOperation of an accepted PUT until it
// ends, failing t unless it succeeded.
func waitSucceeded(t *testing.T, h *Harness, r RawResp) {
	t.Helper()
	u := mustRequestURI(t, r.Header.Get("Azure-AsyncOperation"))
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		op := h.Do(http.MethodGet, u, nil)
		var st struct{ Status string }
		op.Decode(t, &st)
		switch st.Status {
		case "Succeeded":
			return
		case "Failed", "Canceled":
			t.Fatalf("operation %s: %s", u, op.Body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("operation %s still running after 60s", u)
}

// ---- Point 8: secrets ----

// TestSecurity_Secrets_RequestIDsOnEveryResponse: every answer, early
// failures included (no token, a malformed path, an unknown route, the token
// endpoint's errors, Graph, health), carries x-ms-request-id and
// x-ms-correlation-request-id, echoing the client's correlation and client
// request ids as ARM does. (A recovered panic's 500 is covered in
// internal/arm's TestOutermost_PanicAndHeaders.)
func TestSecurity_Secrets_RequestIDsOnEveryResponse(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	const corr, client = "1d3c5e7a-9b0d-4f21-8a43-6c5e7f9a0b1c", "my-ci-step-7"
	tok := "Bearer " + h.Token()
	for _, tc := range []struct {
		name, method, path string
		auth               bool
		status             int
	}{
		{"no token", http.MethodGet, "/subscriptions/" + h.Sub + "/resourceGroups?api-version=2021-04-01", false, http.StatusUnauthorized},
		{"malformed path", http.MethodGet, "/subscriptions//x?api-version=2021-04-01", true, http.StatusBadRequest},
		{"unknown route", http.MethodGet, "/nothing/here", true, http.StatusBadRequest},
		{"missing group", http.MethodGet, "/subscriptions/" + h.Sub + "/resourceGroups/nope-" + strings.ToLower(t.Name()) + "?api-version=2021-04-01", true, http.StatusNotFound},
		{"token endpoint", http.MethodPost, "/adfs/oauth2/token", false, http.StatusBadRequest},
		{"token endpoint GET", http.MethodGet, "/adfs/oauth2/token", false, http.StatusMethodNotAllowed},
		{"graph no token", http.MethodGet, "/v1.0/servicePrincipals", false, http.StatusUnauthorized},
		{"health", http.MethodGet, "/healthz", false, http.StatusOK},
	} {
		hdrs := []string{"x-ms-correlation-request-id", corr, "x-ms-client-request-id", client}
		if tc.auth {
			hdrs = append(hdrs, "Authorization", tok)
		}
		r := DoRaw(t, h.Env, tc.method, tc.path, nil, hdrs...)
		if r.Status != tc.status {
			t.Errorf("%s: status %d, want %d (%s)", tc.name, r.Status, tc.status, r.Body)
		}
		if !securityGUID.MatchString(r.Header.Get("x-ms-request-id")) {
			t.Errorf("%s: x-ms-request-id %q", tc.name, r.Header.Get("x-ms-request-id"))
		}
		if got := r.Header.Get("x-ms-correlation-request-id"); got != corr {
			t.Errorf("%s: x-ms-correlation-request-id %q, want the client's", tc.name, got)
		}
		if got := r.Header.Get("x-ms-client-request-id"); got != client {
			t.Errorf("%s: x-ms-client-request-id %q, want the client's", tc.name, got)
		}
		// Without a client correlation id, the server makes one.
		r = DoRaw(t, h.Env, tc.method, tc.path, nil)
		if !securityGUID.MatchString(r.Header.Get("x-ms-correlation-request-id")) || r.Header.Get("x-ms-request-id") == r.Header.Get("x-ms-correlation-request-id") {
			t.Errorf("%s: ids %q / %q", tc.name, r.Header.Get("x-ms-request-id"), r.Header.Get("x-ms-correlation-request-id"))
		}
	}
}

// TestSecurity_Secrets_CreateForRBACPrintsThePasswordOnlyInItsResult: with
// --verbose and --debug, `ad sp create-for-rbac` prints the new password in
// its JSON result only: not in the CLI's log output, and not in the
// server's logs (captured at debug level). Neither logs an access token.
// Not parallel: it swaps the process-wide slog default to capture the
// server's logs.
func TestSecurity_Secrets_CreateForRBACPrintsThePasswordOnlyInItsResult(t *testing.T) {
	var serverLog SyncBuffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(&serverLog, &slog.HandlerOptions{Level: slog.LevelDebug})))
	defer slog.SetDefault(prev)
	e := Start(t)
	defer StopQuickly(e)

	var out, errw bytes.Buffer
	code := cli.Main([]string{"ad", "sp", "create-for-rbac", "-n", "leaky", "--verbose", "--debug",
		"--endpoint", e.URL, "--state-dir", e.StateDir}, strings.NewReader(""), &out, &errw)
	if code != 0 {
		t.Fatalf("create-for-rbac: exit %d\n%s\n%s", code, out.String(), errw.String())
	}
	var res struct {
		AppID    string `json:"appId"`
		Password string `json:"password"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || res.Password == "" {
		t.Fatalf("result %q: %v", out.String(), err)
	}
	if n := strings.Count(out.String(), res.Password); n != 1 {
		t.Errorf("the password appears %d times in stdout, want once (the result)", n)
	}
	if errw.Len() == 0 {
		t.Error("--verbose --debug printed nothing: the audit would prove nothing")
	}
	for where, text := range map[string]string{"the CLI's --verbose/--debug output": errw.String(), "the server's logs": serverLog.String()} {
		if strings.Contains(text, res.Password) {
			t.Errorf("the password is in %s", where)
		}
		if strings.Contains(text, e.Creds.Password) {
			t.Errorf("the admin's password is in %s", where)
		}
		if strings.Contains(strings.ToLower(text), "bearer ey") || regexp.MustCompile(`eyJ[A-Za-z0-9_-]{10,}\.eyJ`).MatchString(text) {
			t.Errorf("an access token is in %s", where)
		}
	}
}
