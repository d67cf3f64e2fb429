package armtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/google/uuid"
)

// The PUT fuzz targets send arbitrary JSON bodies through the real HTTPS API
// of an in-process control plane, as the admin principal, to a fresh
// resource name per input. Whatever the body:
//
//   - the server neither panics nor answers 5xx, to the PUT or to the reads
//     and the DELETE that follow it;
//   - every answer from 400 up is ARM's error envelope, as JSON;
//   - a refused PUT stores nothing (a GET of the name answers 404);
//   - an accepted PUT answers JSON, its long-running operation (if any) ends,
//     and the stored resource, its parent and its collection read back as
//     JSON.
//
// Bodies may hold the placeholders {sub}, {rg}, {name} and {principal}: the
// subscription, the target's resource group, the fresh resource name and
// the principal id of the fixture's user-assigned identity. So seeds and
// crashers stay valid on any control plane.
//
// Seeds are the Azure REST API specs' examples (azure-rest-api-specs,
// specification/{network,msi,authorization,containerservice}/…/examples:
// VirtualNetworkCreate.json, SubnetCreate.json, RouteTableCreate.json,
// RouteTableRouteCreate.json, NetworkSecurityGroupCreateWithRule.json,
// NetworkSecurityRuleCreate.json, NetworkInterfaceCreate.json,
// IdentityCreate.json, PutRoleAssignment.json, PutRoleDefinition.json,
// ManagedClustersCreate_Update.json, AgentPoolsCreate_Update.json), the
// article's kubenet values, and near-valid variants of them.

// putKind is one PUT target.
type putKind struct {
	// name is the resource group suffix.
	name string
	api  string
	// path is the id of the resource called name in resource group rg.
	path func(sub, rg, name string) string
	// readPath, when set, is where the resource is read back, if not at
	// path.
	readPath func(sub, rg, name string) string
	// fresh returns the resource name for the n-th input.
	fresh func(n int64) string
	// needs lists the fixture resources the seeds refer to.
	needs fixtureNeeds
	seeds []string
	// cluster runs the target on the plane with a short permission wait.
	cluster bool
}

type fixtureNeeds struct {
	vnet, routeTable, nsg, identity, cluster bool
}

const (
	netAPI   = "2024-05-01"
	msiAPI   = "2023-01-31"
	authzAPI = "2022-04-01"
	aksAPI   = "2024-05-01"
)

func rgPath(sub, rg string) string { return "/subscriptions/" + sub + "/resourceGroups/" + rg }

// rgChild is the path of a resource named name under rest (a provider's
// type, or a parent resource and a child type) in resource group rg.
func rgChild(rest string) func(sub, rg, name string) string {
	return func(sub, rg, name string) string {
		return rgPath(sub, rg) + "/providers/" + rest + "/" + name
	}
}

func netPath(typ string) func(sub, rg, name string) string {
	return rgChild("Microsoft.Network/" + typ)
}

func seqName(prefix string) func(int64) string {
	return func(n int64) string { return fmt.Sprintf("%s%d", prefix, n) }
}

func guidName(int64) string { return uuid.NewString() }

// Fixture ids as seeds write them.
const (
	seedVNet     = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/vnet"
	seedSubnet   = seedVNet + "/subnets/base"
	seedRT       = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/routeTables/rt"
	seedNSG      = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/networkSecurityGroups/nsg"
	seedIdentity = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/fuzzid"
	// Built-in roles: Reader and Network Contributor.
	seedReader     = "/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7"
	seedNetContrib = "/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/4d97b98b-1d4f-4787-a291-c67834d212e7"
)

var (
	vnetKind = putKind{
		name: "vnet", api: netAPI, path: netPath("virtualNetworks"), fresh: seqName("v"),
		needs: fixtureNeeds{routeTable: true, nsg: true},
		seeds: []string{
			`{"location":"eastus","properties":{"addressSpace":{"addressPrefixes":["192.168.0.0/16"]}}}`,
			`{"location":"eastus","properties":{"addressSpace":{"addressPrefixes":["10.0.0.0/16"]},"flowTimeoutInMinutes":10}}`,
			`{"location":"eastus","tags":{"env":"test"},"properties":{"addressSpace":{"addressPrefixes":["10.0.0.0/16","10.1.0.0/16"]},"subnets":[{"name":"test-1","properties":{"addressPrefix":"10.0.0.0/24"}},{"name":"test-2","properties":{"addressPrefix":"10.1.0.0/24","routeTable":{"id":"` + seedRT + `"},"networkSecurityGroup":{"id":"` + seedNSG + `"}}}]}}`,
			`{"location":"eastus","properties":{"addressSpace":{"addressPrefixes":["10.0.0.1/16"]}}}`,
			`{"location":"eastus","properties":{"addressSpace":{"addressPrefixes":["10.0.0.0/16"]},"subnets":[{"name":"a","properties":{"addressPrefix":"10.0.0.0/24"}},{"name":"A","properties":{"addressPrefix":"10.0.0.0/25"}}]}}`,
			`{"location":"eastus","properties":{"addressSpace":{"addressPrefixes":["fd00::/8"]},"subnets":[{"properties":{}}]}}`,
			`{"location":"","properties":null}`,
			`{"location":"eastus","properties":{"addressSpace":{"addressPrefixes":[null,""]},"subnets":[null]}}`,
		},
	}
	subnetKind = putKind{
		name: "subnet", api: netAPI, fresh: seqName("s"),
		path:  netPath("virtualNetworks/vnet/subnets"),
		needs: fixtureNeeds{vnet: true, routeTable: true, nsg: true},
		seeds: []string{
			`{"properties":{"addressPrefix":"192.168.2.0/24"}}`,
			`{"properties":{"addressPrefix":"192.168.3.0/24","routeTable":{"id":"` + seedRT + `"}}}`,
			`{"properties":{"addressPrefixes":["192.168.4.0/24"],"networkSecurityGroup":{"id":"` + seedNSG + `"}}}`,
			`{"properties":{"addressPrefix":"192.168.1.0/24"}}`,
			`{"properties":{"addressPrefix":"10.0.0.0/24"}}`,
			`{"properties":{"addressPrefix":"192.168.5.1/24"}}`,
			`{"properties":{"addressPrefix":"192.168.6.0/24","routeTable":{"id":"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/routeTables/missing"}}}`,
			`{"properties":{"addressPrefix":"192.168.7.0/24","routeTable":{"id":"` + seedNSG + `"}}}`,
			`{"properties":{"addressPrefix":"192.168.8.0/24","networkSecurityGroup":{"id":"not/an/id"}}}`,
			`{"properties":{}}`,
		},
	}
	routeTableKind = putKind{
		name: "routetable", api: netAPI, path: netPath("routeTables"), fresh: seqName("rt"),
		seeds: []string{
			`{"location":"eastus"}`,
			`{"location":"eastus","properties":{"disableBgpRoutePropagation":true,"routes":[{"name":"route1","properties":{"addressPrefix":"10.0.3.0/24","nextHopType":"VirtualNetworkGateway"}}]}}`,
			`{"location":"eastus","properties":{"routes":[{"name":"r1","properties":{"addressPrefix":"10.244.0.0/24","nextHopType":"VirtualAppliance","nextHopIpAddress":"192.168.1.4"}},{"name":"r2","properties":{"addressPrefix":"0.0.0.0/0","nextHopType":"Internet"}}]}}`,
			`{"location":"eastus","properties":{"routes":[{"name":"r1","properties":{"addressPrefix":"10.0.0.0/24","nextHopType":"VirtualAppliance"}}]}}`,
			`{"location":"eastus","properties":{"routes":[{"name":"r1","properties":{"addressPrefix":"10.0.0.0/24","nextHopType":"None"}},{"name":"R1","properties":{"addressPrefix":"10.0.0.0/24","nextHopType":"None"}}]}}`,
			`{"location":"eastus","properties":{"routes":[{"properties":{"addressPrefix":"10.0.0.1/24","nextHopType":"Teleport"}}]}}`,
		},
	}
	routeKind = putKind{
		name: "route", api: netAPI, fresh: seqName("r"),
		path:  netPath("routeTables/rt/routes"),
		needs: fixtureNeeds{routeTable: true},
		seeds: []string{
			`{"properties":{"addressPrefix":"10.0.3.0/24","nextHopType":"VirtualNetworkGateway"}}`,
			`{"properties":{"addressPrefix":"10.244.1.0/24","nextHopType":"VirtualAppliance","nextHopIpAddress":"192.168.1.5"}}`,
			`{"properties":{"addressPrefix":"0.0.0.0/0","nextHopType":"Internet"}}`,
			`{"properties":{"addressPrefix":"10.244.2.0/24","nextHopType":"VirtualAppliance","nextHopIpAddress":"::1"}}`,
			`{"properties":{"addressPrefix":"10.244.2.7/24","nextHopType":"virtualappliance","nextHopIpAddress":"192.168.1.300"}}`,
			`{"properties":{"addressPrefix":"AzureCloud","nextHopType":"Internet"}}`,
			`{"properties":{"nextHopType":"None"}}`,
		},
	}
	nsgKind = putKind{
		name: "nsg", api: netAPI, path: netPath("networkSecurityGroups"), fresh: seqName("g"),
		seeds: []string{
			`{"location":"eastus"}`,
			`{"location":"eastus","properties":{"securityRules":[{"name":"rule1","properties":{"protocol":"*","sourceAddressPrefix":"*","destinationAddressPrefix":"*","access":"Allow","destinationPortRange":"80","sourcePortRange":"*","priority":130,"direction":"Inbound"}}]}}`,
			`{"location":"eastus","properties":{"securityRules":[{"name":"ssh","properties":{"protocol":"Tcp","sourceAddressPrefixes":["10.0.0.0/8","VirtualNetwork"],"destinationAddressPrefix":"192.168.1.0/24","access":"Deny","destinationPortRanges":["22","1000-2000"],"sourcePortRange":"*","priority":4096,"direction":"Outbound"}}]}}`,
			`{"location":"eastus","properties":{"securityRules":[{"name":"a","properties":{"protocol":"Tcp","sourceAddressPrefix":"*","destinationAddressPrefix":"*","access":"Allow","destinationPortRange":"80","sourcePortRange":"*","priority":100,"direction":"Inbound"}},{"name":"b","properties":{"protocol":"Tcp","sourceAddressPrefix":"*","destinationAddressPrefix":"*","access":"Allow","destinationPortRange":"81","sourcePortRange":"*","priority":100,"direction":"Inbound"}}]}}`,
			`{"location":"eastus","properties":{"securityRules":[{"name":"x","properties":{"protocol":"Http","sourceAddressPrefix":"10.0.0.1/8","access":"Maybe","destinationPortRange":"443-80","priority":99999,"direction":"Up"}}]}}`,
			`{"location":"eastus","properties":{"securityRules":[{"properties":null},null]}}`,
		},
	}
	securityRuleKind = putKind{
		name: "rule", api: netAPI, fresh: seqName("rule"),
		path:  netPath("networkSecurityGroups/nsg/securityRules"),
		needs: fixtureNeeds{nsg: true},
		seeds: []string{
			`{"properties":{"protocol":"*","sourceAddressPrefix":"10.0.0.0/8","destinationAddressPrefix":"11.0.0.0/8","access":"Deny","destinationPortRange":"8080","sourcePortRange":"*","priority":100,"direction":"Outbound"}}`,
			`{"properties":{"protocol":"Tcp","sourceAddressPrefix":"Internet","destinationAddressPrefix":"*","access":"Allow","destinationPortRanges":["80","443"],"sourcePortRange":"*","priority":200,"direction":"Inbound"}}`,
			`{"properties":{"protocol":"Udp","sourceAddressPrefixes":["AzureLoadBalancer","168.63.129.16"],"destinationAddressPrefix":"VirtualNetwork","access":"allow","destinationPortRange":"53","sourcePortRanges":["1-65535"],"priority":4096,"direction":"inbound"}}`,
			`{"properties":{"protocol":"Tcp","sourceAddressPrefix":"*","destinationAddressPrefix":"*","access":"Allow","destinationPortRange":"65536","sourcePortRange":"*","priority":300,"direction":"Inbound"}}`,
			`{"properties":{"protocol":"Tcp","sourceAddressPrefix":"*","access":"Allow","sourcePortRange":"*","priority":300,"direction":"Inbound"}}`,
			`{"properties":{"priority":"100"}}`,
		},
	}
	nicKind = putKind{
		name: "nic", api: netAPI, path: netPath("networkInterfaces"), fresh: seqName("nic"),
		needs: fixtureNeeds{vnet: true, nsg: true},
		seeds: []string{
			`{"location":"eastus","properties":{"ipConfigurations":[{"name":"ipconfig1","properties":{"subnet":{"id":"` + seedSubnet + `"}}}]}}`,
			`{"location":"eastus","properties":{"enableIPForwarding":true,"networkSecurityGroup":{"id":"` + seedNSG + `"},"ipConfigurations":[{"name":"ipconfig1","properties":{"privateIPAllocationMethod":"Static","privateIPAddress":"192.168.1.200","subnet":{"id":"` + seedSubnet + `"}}}]}}`,
			`{"location":"eastus","properties":{"ipConfigurations":[{"name":"ipconfig1","properties":{"privateIPAllocationMethod":"Static","privateIPAddress":"10.9.9.9","subnet":{"id":"` + seedSubnet + `"}}}]}}`,
			`{"location":"eastus","properties":{"ipConfigurations":[{"name":"a","properties":{"subnet":{"id":"` + seedSubnet + `"}}},{"name":"a","properties":{"subnet":{"id":"` + seedVNet + `/subnets/missing"}}}]}}`,
			`{"location":"eastus","properties":{"ipConfigurations":[{"name":"ipconfig1","properties":{"privateIPAllocationMethod":"Static","privateIPAddress":"192.168.1.0","subnet":{"id":"` + seedRT + `"}}}]}}`,
			`{"location":"eastus","properties":{"ipConfigurations":[]}}`,
		},
	}
	identityKind = putKind{
		name: "identity", api: msiAPI, fresh: seqName("id"),
		path: rgChild("Microsoft.ManagedIdentity/userAssignedIdentities"),
		seeds: []string{
			`{"location":"eastus"}`,
			`{"location":"eastus","tags":{"key1":"value1","key2":"value2"}}`,
			`{"location":"eastus","properties":{"principalId":"00000000-0000-0000-0000-000000000000"}}`,
			`{"location":"mars"}`,
			`{"location":"east\nus"}`,
			`{}`,
			`{"location":"eastus","tags":{"k":null}}`,
		},
	}
	roleAssignmentKind = putKind{
		name: "roleassignment", api: authzAPI, fresh: guidName,
		path:  rgChild("Microsoft.Authorization/roleAssignments"),
		needs: fixtureNeeds{identity: true},
		seeds: []string{
			`{"properties":{"roleDefinitionId":"` + seedReader + `","principalId":"{principal}","principalType":"ServicePrincipal"}}`,
			`{"properties":{"roleDefinitionId":"` + seedNetContrib + `","principalId":"{principal}"}}`,
			`{"properties":{"roleDefinitionId":"/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7","principalId":"{principal}","principalType":"User"}}`,
			`{"properties":{"roleDefinitionId":"` + seedReader + `","principalId":"00000000-0000-0000-0000-000000000000"}}`,
			`{"properties":{"roleDefinitionId":"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/not-a-guid","principalId":"{principal}"}}`,
			`{"properties":{"roleDefinitionId":"` + seedReader + `","principalId":"{principal}","condition":"@Resource[x] == 'y'","conditionVersion":"2.0"}}`,
			`{"properties":{}}`,
		},
	}
	roleDefinitionKind = putKind{
		name: "roledefinition", api: authzAPI, fresh: guidName,
		path: rgChild("Microsoft.Authorization/roleDefinitions"),
		// A custom role reads only where it is visible: at or above one of
		// its assignable scopes, which need not include the scope the PUT
		// named (rbac.RoleDefinition.VisibleAt). The subscription contains
		// every assignable scope the server accepts.
		readPath: func(sub, _, name string) string {
			return "/subscriptions/" + sub + "/providers/Microsoft.Authorization/roleDefinitions/" + name
		},
		seeds: []string{
			`{"properties":{"roleName":"fuzz {name}","description":"Role description","type":"CustomRole","permissions":[{"actions":["Microsoft.Network/*/read"],"notActions":[],"dataActions":[],"notDataActions":[]}],"assignableScopes":["/subscriptions/{sub}/resourceGroups/{rg}"]}}`,
			`{"properties":{"roleName":"fuzz {name}","permissions":[{"actions":["Microsoft.Network/virtualNetworks/subnets/join/action","Microsoft.Network/routeTables/*"]}],"assignableScopes":["/subscriptions/{sub}/resourceGroups/{rg}","/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/vnet"]}}`,
			`{"properties":{"roleName":"fuzz {name}","permissions":[{"actions":["*"]}],"assignableScopes":["/subscriptions/{sub}"]}}`,
			`{"properties":{"roleName":"fuzz {name}","permissions":[{"actions":["*"]}],"assignableScopes":["/"]}}`,
			`{"properties":{"roleName":"Reader","permissions":[{"actions":["*/read"]}],"assignableScopes":["/subscriptions/{sub}/resourceGroups/{rg}"]}}`,
			`{"properties":{"roleName":"fuzz {name}","permissions":[{"actions":["Microsoft.Network/**"]}],"assignableScopes":["/subscriptions/{sub}/resourceGroups/../{rg}"]}}`,
			`{"properties":{"roleName":"","permissions":[],"assignableScopes":[]}}`,
		},
	}
	clusterKind = putKind{
		name: "cluster", api: aksAPI, fresh: seqName("mc"), cluster: true,
		path:  rgChild("Microsoft.ContainerService/managedClusters"),
		needs: fixtureNeeds{vnet: true, identity: true},
		seeds: []string{
			`{"location":"eastus","identity":{"type":"UserAssigned","userAssignedIdentities":{"` + seedIdentity + `":{}}},"properties":{"dnsPrefix":"{name}","agentPoolProfiles":[{"name":"nodepool1","count":1,"vmSize":"Standard_DS2_v2","mode":"System","osType":"Linux","vnetSubnetID":"` + seedSubnet + `"}],"networkProfile":{"networkPlugin":"kubenet","serviceCidr":"10.0.0.0/16","dnsServiceIP":"10.0.0.10","podCidr":"10.244.0.0/16"}}}`,
			`{"location":"eastus","identity":{"type":"SystemAssigned"},"properties":{"dnsPrefix":"{name}","agentPoolProfiles":[{"name":"nodepool1","count":2,"vmSize":"Standard_DS2_v2","mode":"System","osType":"Linux"}],"networkProfile":{"networkPlugin":"kubenet"}}}`,
			`{"location":"eastus","identity":{"type":"SystemAssigned"},"properties":{"nodeResourceGroup":"MC_{name}_nodes","agentPoolProfiles":[{"name":"nodepool1","count":1,"mode":"System"},{"name":"user1","count":1,"mode":"User","maxPods":30}],"networkProfile":{"networkPlugin":"kubenet","podCidr":"10.245.0.0/16","serviceCidr":"10.1.0.0/16","dnsServiceIP":"10.1.0.10"}}}`,
			`{"location":"eastus","identity":{"type":"UserAssigned","userAssignedIdentities":{"not-an-id":{}}},"properties":{"agentPoolProfiles":[{"name":"nodepool1","count":1,"mode":"System"}]}}`,
			`{"location":"eastus","identity":{"type":"SystemAssigned"},"properties":{"nodeResourceGroup":"../../x","agentPoolProfiles":[{"name":"nodepool1","count":1,"mode":"System"}]}}`,
			`{"location":"eastus","identity":{"type":"SystemAssigned"},"properties":{"agentPoolProfiles":[{"name":"nodepool1","count":1,"mode":"System","vnetSubnetID":"` + seedSubnet + `"}],"networkProfile":{"networkPlugin":"kubenet","serviceCidr":"192.168.0.0/16","dnsServiceIP":"192.168.0.10","podCidr":"10.244.0.1/16"}}}`,
			`{"location":"eastus","properties":{"agentPoolProfiles":[{"name":"Bad_Name","count":-1,"mode":"System"}],"networkProfile":{"networkPlugin":"azure","networkPolicy":"calico"}}}`,
			`{"location":"eastus","properties":{"agentPoolProfiles":[]}}`,
		},
	}
	agentPoolKind = putKind{
		name: "agentpool", api: aksAPI, fresh: seqName("p"), cluster: true,
		path:  rgChild("Microsoft.ContainerService/managedClusters/mc/agentPools"),
		needs: fixtureNeeds{vnet: true, identity: true, cluster: true},
		seeds: []string{
			`{"properties":{"count":1,"vmSize":"Standard_DS2_v2","mode":"User","osType":"Linux"}}`,
			`{"properties":{"count":2,"vmSize":"Standard_DS2_v2","mode":"System","osType":"Linux","maxPods":50,"vnetSubnetID":"` + seedSubnet + `"}}`,
			`{"properties":{"count":1,"mode":"User","nodeLabels":{"k":"v"},"nodeTaints":["k=v:NoSchedule"]}}`,
			`{"properties":{"count":1,"mode":"User","vnetSubnetID":"` + seedVNet + `/subnets/missing"}}`,
			`{"properties":{"count":1000,"mode":"User"}}`,
			`{"properties":{"count":1,"mode":"User","osType":"Windows","maxPods":5}}`,
			`{"properties":{"count":-1,"mode":"Sometimes"}}`,
			`{"properties":{}}`,
		},
	}
)

func FuzzPutVirtualNetwork(f *testing.F)       { fuzzPut(f, vnetKind) }
func FuzzPutSubnet(f *testing.F)               { fuzzPut(f, subnetKind) }
func FuzzPutRouteTable(f *testing.F)           { fuzzPut(f, routeTableKind) }
func FuzzPutRoute(f *testing.F)                { fuzzPut(f, routeKind) }
func FuzzPutNetworkSecurityGroup(f *testing.F) { fuzzPut(f, nsgKind) }
func FuzzPutSecurityRule(f *testing.F)         { fuzzPut(f, securityRuleKind) }
func FuzzPutNetworkInterface(f *testing.F)     { fuzzPut(f, nicKind) }
func FuzzPutUserAssignedIdentity(f *testing.F) { fuzzPut(f, identityKind) }
func FuzzPutRoleAssignment(f *testing.F)       { fuzzPut(f, roleAssignmentKind) }
func FuzzPutRoleDefinition(f *testing.F)       { fuzzPut(f, roleDefinitionKind) }
func FuzzPutManagedCluster(f *testing.F)       { fuzzPut(f, clusterKind) }
func FuzzPutAgentPool(f *testing.F)            { fuzzPut(f, agentPoolKind) }

// fuzzPut sets up kind's fixture once and fuzzes its PUT body.
func fuzzPut(f *testing.F, kind putKind) {
	fx := newPutFixture(f, kind, "")
	for _, s := range kind.seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fx.check(t, body)
	})
}

// putFixture is a control plane, an admin token and the resources a
// target's seeds refer to, in the target's own resource group.
type putFixture struct {
	kind      putKind
	e         *Env
	sub, rg   string
	token     string
	principal string
	n         atomic.Int64
}

// newPutFixture sets up kind's fixture in resource group
// "rg-fuzz-{kind}{suffix}" (one per target: each fuzz worker is a process
// of its own, with its own plane, but seeds of all targets run in one).
func newPutFixture(f *testing.F, kind putKind, suffix string) *putFixture {
	f.Helper()
	var e *Env
	if kind.cluster {
		// Cluster targets run on a plane of their own, so that the
		// clusters the fuzzer makes (and their controller's work) stay
		// apart from the shared plane.
		e = Start(f, Options{})
		f.Cleanup(func() { StopQuickly(e) }) // runs before Start's own cleanup
	} else {
		e = Plane(f, "default", Options{})
	}
	tok, err := e.Credential(f).GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{e.URL + "/.default"}})
	if err != nil {
		f.Fatalf("admin token: %v", err)
	}
	fx := &putFixture{kind: kind, e: e, sub: e.Creds.SubscriptionID, rg: fuzzRG(kind.name + suffix), token: tok.Token}
	fx.setup(f)
	return fx
}

// fuzzRG names a fixture's resource group: "rg-fuzz-{name}", with a run
// number from the second run of a process on (go test -count=N), as the
// shared plane outlives a run.
func fuzzRG(name string) string {
	fuzzRGsMu.Lock()
	defer fuzzRGsMu.Unlock()
	fuzzRGs[name]++
	if k := fuzzRGs[name]; k > 1 {
		return fmt.Sprintf("rg-fuzz-%s-%d", name, k)
	}
	return "rg-fuzz-" + name
}

var (
	fuzzRGsMu sync.Mutex
	fuzzRGs   = map[string]int{}
)

// setup creates the fixture resources.
func (fx *putFixture) setup(t testing.TB) {
	t.Helper()
	rg := rgPath(fx.sub, fx.rg)
	fx.mustPut(t, rg, "2021-04-01", `{"location":"eastus"}`)
	need := fx.kind.needs
	if need.routeTable || need.vnet {
		fx.mustPut(t, rg+"/providers/Microsoft.Network/routeTables/rt", netAPI, `{"location":"eastus"}`)
	}
	if need.nsg || need.vnet {
		fx.mustPut(t, rg+"/providers/Microsoft.Network/networkSecurityGroups/nsg", netAPI, `{"location":"eastus"}`)
	}
	if need.identity || need.vnet {
		r := fx.mustPut(t, fx.expand([]byte(seedIdentity), ""), msiAPI, `{"location":"eastus"}`)
		var doc struct {
			Properties struct {
				PrincipalID string `json:"principalId"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(r.Body, &doc); err != nil || doc.Properties.PrincipalID == "" {
			t.Fatalf("identity: no principal id in %s (%v)", r.Body, err)
		}
		fx.principal = doc.Properties.PrincipalID
	}
	if need.vnet {
		vnet := fx.expand([]byte(seedVNet), "")
		fx.mustPut(t, vnet, netAPI, `{"location":"eastus","properties":{"addressSpace":{"addressPrefixes":["192.168.0.0/16"]},"subnets":[{"name":"base","properties":{"addressPrefix":"192.168.1.0/24"}}]}}`)
		// The identity may place clusters on the VNet (Network Contributor).
		fx.mustPut(t, vnet+"/providers/Microsoft.Authorization/roleAssignments/"+uuid.NewString(), authzAPI,
			string(fx.expand([]byte(`{"properties":{"roleDefinitionId":"`+seedNetContrib+`","principalId":"{principal}","principalType":"ServicePrincipal"}}`), "")))
	}
	if need.cluster {
		fx.mustPut(t, rg+"/providers/Microsoft.ContainerService/managedClusters/mc", aksAPI,
			string(fx.expand([]byte(clusterKind.seeds[0]), "mc")))
	}
}

// mustPut PUTs body at path, waits for its operation and fails t unless
// it succeeded.
func (fx *putFixture) mustPut(t testing.TB, path, api, body string) RawResp {
	t.Helper()
	r := fx.send(t, http.MethodPut, path+"?api-version="+api, []byte(body))
	if r.Status != http.StatusOK && r.Status != http.StatusCreated {
		t.Fatalf("fixture PUT %s: %d %s", path, r.Status, r.Body)
	}
	if status, errBody := fx.wait(t, "fixture PUT "+path, r); status != "" && status != "Succeeded" {
		t.Fatalf("fixture PUT %s: operation %s: %s", path, status, errBody)
	}
	return r
}

// expand fills in the placeholders of a body or path.
func (fx *putFixture) expand(b []byte, name string) string {
	return strings.NewReplacer("{sub}", fx.sub, "{rg}", fx.rg, "{name}", name, "{principal}", fx.principal).Replace(string(b))
}

// send makes one request with the admin token and checks what holds for
// every answer: no 5xx, ARM's request id, and ARM's error envelope from 400
// up.
func (fx *putFixture) send(t testing.TB, method, pathQuery string, body []byte) RawResp {
	t.Helper()
	var b any
	if body != nil {
		b = body
	}
	target := pathQuery
	if !strings.HasPrefix(pathQuery, "https://") {
		target = fx.e.URL + pathQuery
	}
	r := doRawURL(t, fx.e, method, target, b, "Authorization", "Bearer "+fx.token)
	what := method + " " + pathQuery
	if r.Status >= 500 {
		t.Fatalf("%s: %d %s", what, r.Status, r.Body)
	}
	if r.Header.Get("x-ms-request-id") == "" {
		t.Errorf("%s: %d without x-ms-request-id", what, r.Status)
	}
	if r.Status >= 400 {
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("%s: %d with Content-Type %q: %s", what, r.Status, ct, r.Body)
		}
		if _, err := ParseEnvelope(r.Status, r.Body); err != nil {
			t.Fatalf("%s: %d: %v", what, r.Status, err)
		}
	}
	return r
}

// check runs one input.
func (fx *putFixture) check(t *testing.T, body []byte) {
	name := fx.kind.fresh(fx.n.Add(1))
	path := fx.kind.path(fx.sub, fx.rg, name)
	read := path
	if fx.kind.readPath != nil {
		read = fx.kind.readPath(fx.sub, fx.rg, name)
	}
	q := "?api-version=" + fx.kind.api
	r := fx.send(t, http.MethodPut, path+q, []byte(fx.expand(body, name)))
	if r.Status >= 400 {
		// A refused PUT of a new name stores nothing.
		if g := fx.send(t, http.MethodGet, read+q, nil); g.Status != http.StatusNotFound {
			t.Fatalf("PUT %s refused with %d %s, but GET %s answers %d %s", path, r.Status, r.Body, read, g.Status, g.Body)
		}
		return
	}
	if r.Status != http.StatusOK && r.Status != http.StatusCreated && r.Status != http.StatusAccepted {
		t.Fatalf("PUT %s: unexpected status %d %s", path, r.Status, r.Body)
	}
	if len(r.Body) > 0 && !json.Valid(r.Body) {
		t.Fatalf("PUT %s: %d with a body that is not JSON: %q", path, r.Status, r.Body)
	}
	status, _ := fx.wait(t, "PUT "+path, r)
	g := fx.send(t, http.MethodGet, read+q, nil)
	switch {
	case g.Status == http.StatusOK:
		if !json.Valid(g.Body) {
			t.Fatalf("GET %s after PUT: body is not JSON: %q", read, g.Body)
		}
	case g.Status == http.StatusNotFound && status != "" && status != "Succeeded":
		// A failed creation may leave nothing behind.
	default:
		t.Fatalf("GET %s after PUT %s (%d, operation %q): %d %s", read, path, r.Status, status, g.Status, g.Body)
	}
	// The parent and the collection still read.
	for _, p := range []string{parentOf(path), path[:strings.LastIndexByte(path, '/')]} {
		if pg := fx.send(t, http.MethodGet, p+q, nil); pg.Status != http.StatusOK || !json.Valid(pg.Body) {
			t.Fatalf("GET %s after PUT %s: %d %s", p, path, pg.Status, pg.Body)
		}
	}
	// Delete it again, so that inputs don't pile up (a refused delete is
	// fine: some inputs make resources in use).
	d := fx.send(t, http.MethodDelete, path+q, nil)
	if d.Status < 300 {
		fx.wait(t, "DELETE "+path, d)
	}
}

// parentOf is the resource containing id (a resource group for a top-level
// resource).
func parentOf(id string) string {
	segs := strings.Split(strings.Trim(id, "/"), "/")
	if len(segs) >= 4 && strings.EqualFold(segs[len(segs)-4], "providers") {
		return "/" + strings.Join(segs[:len(segs)-4], "/")
	}
	return "/" + strings.Join(segs[:len(segs)-2], "/")
}

// opTimeout bounds a long-running operation of one input.
const fuzzOpTimeout = 30 * time.Second

// wait follows the Azure-AsyncOperation (or Location) of a response to the
// end and returns the operation's final status ("" when the response had no
// operation) and, on failure, its body. Every status read must be JSON with
// a known status; a failed operation carries an error.
func (fx *putFixture) wait(t testing.TB, what string, r RawResp) (string, []byte) {
	t.Helper()
	op := r.Header.Get("Azure-AsyncOperation")
	if op == "" {
		if loc := r.Header.Get("Location"); loc != "" && r.Status == http.StatusAccepted {
			return fx.waitLocation(t, what, loc)
		}
		return "", nil
	}
	deadline := time.Now().Add(fuzzOpTimeout)
	for {
		s := fx.send(t, http.MethodGet, op, nil)
		if s.Status != http.StatusOK {
			t.Fatalf("%s: operation status %s: %d %s", what, op, s.Status, s.Body)
		}
		var doc struct {
			Status string          `json:"status"`
			Error  json.RawMessage `json:"error"`
		}
		if err := json.Unmarshal(s.Body, &doc); err != nil {
			t.Fatalf("%s: operation status %s: not JSON: %q", what, op, s.Body)
		}
		switch doc.Status {
		case "Succeeded", "Canceled":
			return doc.Status, nil
		case "Failed":
			env := append(append([]byte(`{"error":`), doc.Error...), '}')
			if _, err := ParseEnvelope(http.StatusOK, env); err != nil {
				t.Fatalf("%s: failed operation without an ARM error: %s", what, s.Body)
			}
			return doc.Status, s.Body
		case "InProgress", "Accepted", "Running", "Creating", "Updating", "Deleting":
		default:
			t.Fatalf("%s: operation status %q: %s", what, doc.Status, s.Body)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: operation still %s after %s", what, doc.Status, fuzzOpTimeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (fx *putFixture) waitLocation(t testing.TB, what, loc string) (string, []byte) {
	t.Helper()
	deadline := time.Now().Add(fuzzOpTimeout)
	for {
		s := fx.send(t, http.MethodGet, loc, nil)
		switch {
		case s.Status == http.StatusAccepted:
		case s.Status < 300:
			return "Succeeded", nil
		default:
			return "Failed", s.Body
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: operation at %s still running after %s", what, loc, fuzzOpTimeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// doRawURL is doRaw for an absolute URL (operation status URLs are).
func doRawURL(t testing.TB, e *Env, method, url string, body any, headers ...string) RawResp {
	t.Helper()
	if rest, ok := strings.CutPrefix(url, e.URL); ok {
		return DoRaw(t, e, method, rest, body, headers...)
	}
	t.Fatalf("%s %s: URL is not on the server %s", method, url, e.URL)
	return RawResp{}
}

// putKinds are the PUT targets, in FuzzPutField's numbering.
var putKinds = []putKind{vnetKind, subnetKind, routeTableKind, routeKind, nsgKind, securityRuleKind, nicKind,
	identityKind, roleAssignmentKind, roleDefinitionKind, clusterKind, agentPoolKind}

// FuzzPutField is the structure-aware companion of the FuzzPut… targets:
// rather than mutating bytes, which mostly yields bodies that are not JSON,
// it takes seed s of PUT kind k, replaces its n-th JSON node (objects,
// arrays and values, in document order with keys sorted) by value (the JSON
// value it spells, or else the string itself), and checks the result as
// they do.
func FuzzPutField(f *testing.F) {
	fixtures := make([]*putFixture, len(putKinds))
	for i, k := range putKinds {
		fixtures[i] = newPutFixture(f, k, "-field")
	}
	values := []string{"", "null", "[]", "{}", "0", "-1", "4097", "1e400", "true", `"x"`, "10.0.0.0/8", "10.0.0.1/8",
		"0.0.0.0/0", "::/0", "255.255.255.255", "*", "../../x", "/subscriptions/{sub}", "/subscriptions/{sub}/resourceGroups/{rg}",
		"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/base/x/y",
		"/subscriptions/other/resourceGroups/{rg}/providers/Microsoft.Network/routeTables/rt", "a\x00b", "east\nus", "\u00e9\u212a",
		`{"id":"` + seedSubnet + `"}`, `[{"name":"x"}]`, strings.Repeat("a", 300)}
	// Four inputs per kind (few enough for the baseline run of a short
	// .ci/fuzz), on different seeds and nodes, with values that move
	// around the list.
	for k := range putKinds {
		for i := range 4 {
			f.Add(uint8(k), uint8(i), uint16(i*7+k), values[(k*4+i)%len(values)])
		}
	}
	f.Fuzz(func(t *testing.T, k, s uint8, n uint16, value string) {
		kind := putKinds[int(k)%len(putKinds)]
		seed := kind.seeds[int(s)%len(kind.seeds)]
		body, ok := replaceNode([]byte(seed), int(n), value)
		if !ok {
			return
		}
		fixtures[int(k)%len(putKinds)].check(t, body)
	})
}

// replaceNode decodes doc, replaces its n-th node (counting modulo the
// number of nodes below the root) by value, parsed as JSON when it is JSON,
// and encodes the result.
func replaceNode(doc []byte, n int, value string) ([]byte, bool) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var root any
	if err := dec.Decode(&root); err != nil {
		return nil, false
	}
	var repl any = value
	if json.Valid([]byte(value)) {
		repl = json.RawMessage(value)
	}
	// setters[i] replaces node i.
	var setters []func(any)
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(v))
			for key := range v {
				keys = append(keys, key)
			}
			sort.Strings(keys)
			for _, key := range keys {
				setters = append(setters, func(x any) { v[key] = x })
				walk(v[key])
			}
		case []any:
			for i := range v {
				setters = append(setters, func(x any) { v[i] = x })
				walk(v[i])
			}
		}
	}
	walk(root)
	if len(setters) == 0 {
		return nil, false
	}
	setters[n%len(setters)](repl)
	out, err := json.Marshal(root)
	return out, err == nil
}
