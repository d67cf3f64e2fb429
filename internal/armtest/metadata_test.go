package armtest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
)

// The metadata endpoint answers each api-version in Azure's shape for it:
// az 2.45 reads 2015-01-01 (msrestazure's METADATA_ENDPOINT_SUFFIX), the
// list shape stays for 2019-05-01 to 2020-06-01, and azurerm reads
// 2022-09-01 (go-azure-sdk sdk/internal/metadata/client.go), a single cloud
// object that it refuses unless identityProvider is AAD (issue 18).
func TestMetadata_ShapePerAPIVersion(t *testing.T) {
	e := Start(t)
	get := func(path string) []byte {
		t.Helper()
		r := DoRaw(t, e, http.MethodGet, path, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
		}
		return r.Body
	}
	var old struct {
		GraphEndpoint  string
		Authentication struct{ LoginEndpoint string }
	}
	if err := json.Unmarshal(get("/metadata/endpoints?api-version=2015-01-01"), &old); err != nil || !strings.HasSuffix(old.Authentication.LoginEndpoint, "/adfs") {
		t.Errorf("2015-01-01: %+v %v, want one object with an ADFS login endpoint", old, err)
	}
	var list []struct{ Name string }
	if err := json.Unmarshal(get("/metadata/endpoints?api-version=2019-05-01"), &list); err != nil || len(list) != 1 {
		t.Errorf("2019-05-01: %+v %v, want a list of one cloud", list, err)
	}
	// go-azure-sdk's metaDataResponse20220901, the fields FromEndpoint requires.
	var md struct {
		Name                     string
		ResourceManager          string
		MicrosoftGraphResourceID string `json:"microsoftGraphResourceId"`
		Authentication           struct {
			LoginEndpoint    string
			Audiences        []string
			Tenant           string
			IdentityProvider string
		}
	}
	for _, path := range []string{"/metadata/endpoints?api-version=2022-09-01", "//metadata/endpoints?api-version=2022-09-01"} {
		if err := json.Unmarshal(get(path), &md); err != nil {
			t.Fatalf("%s: not one cloud object: %v", path, err)
		}
		a := md.Authentication
		if md.Name == "" || md.ResourceManager != e.URL+"/" || md.MicrosoftGraphResourceID == "" || a.IdentityProvider != "AAD" || a.Tenant != "common" ||
			a.LoginEndpoint != e.URL || len(a.Audiences) == 0 {
			t.Errorf("%s: %+v", path, md)
		}
	}
	// Configured from that answer alone, as azurerm is, a client signs in at
	// <loginEndpoint>/{tenant}/oauth2/v2.0/token and reads ARM.
	cfg := cloud.Configuration{ActiveDirectoryAuthorityHost: md.Authentication.LoginEndpoint + "/",
		Services: map[cloud.ServiceName]cloud.ServiceConfiguration{cloud.ResourceManager: {
			Endpoint: strings.TrimSuffix(md.ResourceManager, "/"), Audience: md.Authentication.Audiences[0]}}}
	cred, err := azidentity.NewClientSecretCredential(e.Creds.TenantID, e.Creds.AppID, e.Creds.Password, &azidentity.ClientSecretCredentialOptions{
		ClientOptions: azcore.ClientOptions{Cloud: cfg, Transport: e.HTTP}, DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	opts := e.ClientOptions()
	opts.Cloud = cfg
	groups, err := armresources.NewResourceGroupsClient(e.Creds.SubscriptionID, cred, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := groups.NewListPager(nil).NextPage(t.Context()); err != nil {
		t.Errorf("list resource groups with the metadata's configuration: %v", err)
	}
}
