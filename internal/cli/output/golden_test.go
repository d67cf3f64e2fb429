package output

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// readDoc returns testdata/<name>.json.
func readDoc(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// goldenCases were produced by az's own code: knack 0.10.1's formatters,
// tabulate 0.9.0 (with wcwidth), PyYAML's safe_dump, pygments and Python's
// jmespath, run on the documents in testdata.
var goldenCases = []struct {
	name   string
	doc    string // testdata/<doc>.json
	format Format
	query  string
	color  bool
	want   string
}{
	{
		name:   "subnet show sorted and indented",
		doc:    "subnet",
		format: JSON,
		query:  "",
		want: `{
  "addressPrefix": "192.168.1.0/24",
  "delegations": [],
  "etag": "W/\"3f2a5c1e-0000-0000-0000-000000000000\"",
  "id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/myResourceGroup/providers/Microsoft.Network/virtualNetworks/myAKSVnet/subnets/myAKSSubnet",
  "name": "myAKSSubnet",
  "networkSecurityGroup": null,
  "privateEndpointNetworkPolicies": "Disabled",
  "provisioningState": "Succeeded",
  "resourceGroup": "myResourceGroup",
  "routeTable": {
    "id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/MC_myResourceGroup_myAKSCluster_eastus/providers/Microsoft.Network/routeTables/aks-agentpool-12345678-routetable",
    "resourceGroup": "MC_myResourceGroup_myAKSCluster_eastus"
  },
  "type": "Microsoft.Network/virtualNetworks/subnets"
}
`,
	},
	{
		name:   "types, unicode and escapes",
		doc:    "mixed",
		format: JSON,
		query:  "",
		want: `{
  "alpha": "first",
  "big": 123456789012345678901234567890,
  "ctrl": "bell\u0007",
  "emptyList": [],
  "emptyObject": {},
  "float": 1.0,
  "huge": 1e+20,
  "maxPods": 110,
  "nested": {
    "list": [
      7,
      [
        2,
        3
      ],
      {
        "a": 4,
        "b": 2
      }
    ],
    "obj": {
      "y": null
    }
  },
  "nothing": null,
  "off": false,
  "on": true,
  "quote": "say \"hi\"\n",
  "ratio": 0.5,
  "tiny": 1e-05,
  "unicode": "Réseau 東京 ☁",
  "zeta": "last"
}
`,
	},
	{
		name:   "query id",
		doc:    "subnet",
		format: JSON,
		query:  "id",
		want: `"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/myResourceGroup/providers/Microsoft.Network/virtualNetworks/myAKSVnet/subnets/myAKSSubnet"
`,
	},
	{
		name:   "subnet id for a shell variable",
		doc:    "subnet",
		format: TSV,
		query:  "id",
		want: `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/myResourceGroup/providers/Microsoft.Network/virtualNetworks/myAKSVnet/subnets/myAKSSubnet
`,
	},
	{
		name:   "object values sorted by key, nested list is its length, nested object empty, null None",
		doc:    "subnet",
		format: TSV,
		query:  "",
		want:   "192.168.1.0/24\t0\tW/\"3f2a5c1e-0000-0000-0000-000000000000\"\t/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/myResourceGroup/providers/Microsoft.Network/virtualNetworks/myAKSVnet/subnets/myAKSSubnet\tmyAKSSubnet\tNone\tDisabled\tSucceeded\tmyResourceGroup\t\tMicrosoft.Network/virtualNetworks/subnets\n",
	},
	{
		name:   "list of objects one row each",
		doc:    "routes",
		format: TSV,
		query:  "",
		want:   "10.244.0.0/24\taks-nodepool1-12345678-vmss000000____102440024\t192.168.1.4\tVirtualAppliance\tSucceeded\n10.244.1.0/24\taks-nodepool1-12345678-vmss000001____102441024\t192.168.1.5\tVirtualAppliance\tSucceeded\n0.0.0.0/0\tto-internet\tNone\tInternet\tSucceeded\n",
	},
	{
		name:   "multi-select hash keeps query order, booleans True/False",
		doc:    "vnets",
		format: TSV,
		query:  "[].{Name:name, RG:resourceGroup, Ddos:enableDdosProtection}",
		want:   "myAKSVnet\tmyResourceGroup\tFalse\nhubVnet\thubRG\tTrue\n",
	},
	{
		name:   "list of scalars one per line",
		doc:    "vnets",
		format: TSV,
		query:  "[].name",
		want: `myAKSVnet
hubVnet
`,
	},
	{
		name:   "bare booleans lower-case",
		doc:    "vnets",
		format: TSV,
		query:  "[].enableDdosProtection",
		want: `false
true
`,
	},
	{
		name:   "multi-select list row with null",
		doc:    "routes",
		format: TSV,
		query:  "[].[name, nextHopIpAddress]",
		want:   "aks-nodepool1-12345678-vmss000000____102440024\t192.168.1.4\naks-nodepool1-12345678-vmss000001____102441024\t192.168.1.5\nto-internet\tNone\n",
	},
	{
		name:   "numbers as Python prints them",
		doc:    "mixed",
		format: TSV,
		query:  "[maxPods, ratio, big, float, tiny, huge, on, nothing]",
		want: `110
0.5
123456789012345678901234567890
1.0
1e-05
1e+20
true
None
`,
	},
	{
		name:   "list of resources",
		doc:    "vnets",
		format: Table,
		query:  "",
		want: `EnableDdosProtection    Location    Name       ProvisioningState    ResourceGroup
----------------------  ----------  ---------  -------------------  ---------------
False                   eastus      myAKSVnet  Succeeded            myResourceGroup
True                    westeurope  hubVnet    Updating             hubRG
`,
	},
	{
		name:   "route list with a missing value",
		doc:    "routes",
		format: Table,
		query:  "",
		want: `AddressPrefix    Name                                            NextHopIpAddress    NextHopType       ProvisioningState
---------------  ----------------------------------------------  ------------------  ----------------  -------------------
10.244.0.0/24    aks-nodepool1-12345678-vmss000000____102440024  192.168.1.4         VirtualAppliance  Succeeded
10.244.1.0/24    aks-nodepool1-12345678-vmss000001____102441024  192.168.1.5         VirtualAppliance  Succeeded
0.0.0.0/0        to-internet                                                         Internet          Succeeded
`,
	},
	{
		name:   "single object",
		doc:    "subnet",
		format: Table,
		query:  "",
		want: `AddressPrefix    Name         PrivateEndpointNetworkPolicies    ProvisioningState    ResourceGroup
---------------  -----------  --------------------------------  -------------------  ---------------
192.168.1.0/24   myAKSSubnet  Disabled                          Succeeded            myResourceGroup
`,
	},
	{
		name:   "query keeps column order",
		doc:    "vnets",
		format: Table,
		query:  "[].{Name:name, ResourceGroup:resourceGroup, Location:location}",
		want: `Name       ResourceGroup    Location
---------  ---------------  ----------
myAKSVnet  myResourceGroup  eastus
hubVnet    hubRG            westeurope
`,
	},
	{
		name:   "query on plain objects keeps their key order",
		doc:    "routes",
		format: Table,
		query:  "[?nextHopType=='VirtualAppliance']",
		want: `Name                                            AddressPrefix    NextHopType       NextHopIpAddress    ProvisioningState
----------------------------------------------  ---------------  ----------------  ------------------  -------------------
aks-nodepool1-12345678-vmss000000____102440024  10.244.0.0/24    VirtualAppliance  192.168.1.4         Succeeded
aks-nodepool1-12345678-vmss000001____102441024  10.244.1.0/24    VirtualAppliance  192.168.1.5         Succeeded
`,
	},
	{
		name:   "scalars in a Result column",
		doc:    "vnets",
		format: Table,
		query:  "[].name",
		want: `Result
---------
myAKSVnet
hubVnet
`,
	},
	{
		name:   "lists in numbered columns",
		doc:    "vnets",
		format: Table,
		query:  "[].[name, location]",
		want: `Column1    Column2
---------  ----------
myAKSVnet  eastus
hubVnet    westeurope
`,
	},
	{
		name:   "empty list prints an empty line",
		doc:    "vnets",
		format: Table,
		query:  "[?name=='none']",
		want: `
`,
	},
	{
		name:   "wide characters",
		doc:    "mixed",
		format: Table,
		query:  "[{Name: unicode, Pods: maxPods}]",
		want: `Name           Pods
-------------  ------
Réseau 東京 ☁  110
`,
	},
	{
		name:   "subnet show",
		doc:    "subnet",
		format: YAML,
		query:  "",
		want: `addressPrefix: 192.168.1.0/24
delegations: []
etag: W/"3f2a5c1e-0000-0000-0000-000000000000"
id: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/myResourceGroup/providers/Microsoft.Network/virtualNetworks/myAKSVnet/subnets/myAKSSubnet
name: myAKSSubnet
networkSecurityGroup: null
privateEndpointNetworkPolicies: Disabled
provisioningState: Succeeded
resourceGroup: myResourceGroup
routeTable:
  id: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/MC_myResourceGroup_myAKSCluster_eastus/providers/Microsoft.Network/routeTables/aks-agentpool-12345678-routetable
  resourceGroup: MC_myResourceGroup_myAKSCluster_eastus
type: Microsoft.Network/virtualNetworks/subnets
`,
	},
	{
		name:   "list of resources",
		doc:    "vnets",
		format: YAML,
		query:  "",
		want: `- addressSpace:
    addressPrefixes:
    - 192.168.0.0/16
  enableDdosProtection: false
  etag: W/"1"
  id: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/myResourceGroup/providers/Microsoft.Network/virtualNetworks/myAKSVnet
  location: eastus
  name: myAKSVnet
  provisioningState: Succeeded
  resourceGroup: myResourceGroup
  subnets:
  - addressPrefix: 192.168.1.0/24
    name: myAKSSubnet
  tags: {}
  type: Microsoft.Network/virtualNetworks
- addressSpace:
    addressPrefixes:
    - 10.0.0.0/8
    - 172.16.0.0/12
  enableDdosProtection: true
  etag: W/"7"
  id: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/hubRG/providers/Microsoft.Network/virtualNetworks/hubVnet
  location: westeurope
  name: hubVnet
  provisioningState: Updating
  resourceGroup: hubRG
  subnets: []
  tags:
    env: prod
  type: Microsoft.Network/virtualNetworks
`,
	},
	{
		name:   "scalar types and nesting",
		doc:    "mixed",
		format: YAML,
		query:  "",
		want: `alpha: first
big: 123456789012345678901234567890
ctrl: "bell\a"
emptyList: []
emptyObject: {}
float: 1.0
huge: 1.0e+20
maxPods: 110
nested:
  list:
  - 7
  - - 2
    - 3
  - a: 4
    b: 2
  obj:
    y: null
nothing: null
'off': false
'on': true
quote: 'say "hi"

  '
ratio: 0.5
tiny: 1.0e-05
unicode: "R\xE9seau \u6771\u4EAC \u2601"
zeta: last
`,
	},
	{
		name:   "quoting and folding",
		doc:    "quoting",
		format: YAML,
		query:  "",
		want: `? ''
: empty key
'123': numeric key
'Off': 'Off'
ampersand: '&anchor'
at: '@a'
backtick: '` + "`" + `b'
bang: '!tag'
boolString: 'true'
braces: '{x}'
brackets: '[x]'
cidr: 10.0.0.0/16
cjk: "\u6771\u4EAC"
colonInside: 'key: value'
colonNoSpace: a:b
colonStart: ': x'
comma: x,y
dash: '-'
dashItem: '- a'
dashWord: -a
date: '2023-01-01'
docStart: '--- x'
double: say "hi"
empty: ''
equals: '='
exp: 1e3
float: '1.5'
gt: '>f'
hash: '#comment'
hashInside: 'a #b'
hashNoSpace: a#b
hex: '0x1F'
infString: '.inf'
int: '123'
key with spaces: v
? kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk
: long key
leadingSpace: ' lead'
long: The quick brown fox jumps over the lazy dog and keeps on running far away from
  the hunters in the forest
longQuoted: It's a long value with a quote, and enough words to go well past the eighty
  column limit of PyYAML
longUnicode: "Caf\xE9 au lait, cr\xE8me br\xFBl\xE9e and enough other words to be\
  \ folded at the eighty column limit"
merge: '<<'
multiline: 'line1

  line2'
multilineTrailing: 'line1

  '
nullString: 'null'
octal: '012'
percent: '%p'
pipe: '|p'
question: '?'
sexagesimal: '1:30'
single: it's
star: '*'
tab: "a\tb"
tilde: '~'
timestamp: '2023-01-01T10:00:00Z'
trailingSpace: 'trail '
'true': bool key
unicode: "caf\xE9"
'yes': 'yes'
`,
	},
	{
		name:   "root plain scalar ends the document",
		doc:    "subnet",
		format: YAML,
		query:  "name",
		want: `myAKSSubnet
...
`,
	},
	{
		name:   "root number",
		doc:    "mixed",
		format: YAML,
		query:  "maxPods",
		want: `110
...
`,
	},
	{
		name:   "root quoted scalar",
		doc:    "quoting",
		format: YAML,
		query:  "boolString",
		want: `'true'
`,
	},
	{
		name:   "empty list",
		doc:    "vnets",
		format: YAML,
		query:  "[?name=='none']",
		want: `[]
`,
	},
	{
		name:   "json without colour",
		doc:    "routes",
		format: JSONC,
		query:  "[0].{name:name, prefix:addressPrefix}",
		want: `{
  "name": "aks-nodepool1-12345678-vmss000000____102440024",
  "prefix": "10.244.0.0/24"
}
`,
	},
	{
		name:   "colour on a terminal",
		doc:    "routes",
		format: JSONC,
		query:  "[0].{name:name, prefix:addressPrefix, n:`1`, ok:`true`, none:`null`}",
		color:  true,
		want:   "{\x1b[37m\x1b[39;49;00m\n\x1b[37m  \x1b[39;49;00m\x1b[94m\"n\"\x1b[39;49;00m:\x1b[37m \x1b[39;49;00m\x1b[34m1\x1b[39;49;00m,\x1b[37m\x1b[39;49;00m\n\x1b[37m  \x1b[39;49;00m\x1b[94m\"name\"\x1b[39;49;00m:\x1b[37m \x1b[39;49;00m\x1b[33m\"aks-nodepool1-12345678-vmss000000____102440024\"\x1b[39;49;00m,\x1b[37m\x1b[39;49;00m\n\x1b[37m  \x1b[39;49;00m\x1b[94m\"none\"\x1b[39;49;00m:\x1b[37m \x1b[39;49;00m\x1b[34mnull\x1b[39;49;00m,\x1b[37m\x1b[39;49;00m\n\x1b[37m  \x1b[39;49;00m\x1b[94m\"ok\"\x1b[39;49;00m:\x1b[37m \x1b[39;49;00m\x1b[34mtrue\x1b[39;49;00m,\x1b[37m\x1b[39;49;00m\n\x1b[37m  \x1b[39;49;00m\x1b[94m\"prefix\"\x1b[39;49;00m:\x1b[37m \x1b[39;49;00m\x1b[33m\"10.244.0.0/24\"\x1b[39;49;00m\x1b[37m\x1b[39;49;00m\n}\x1b[37m\x1b[39;49;00m\n",
	},
}

func TestWriteGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(string(tc.format)+"/"+tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, readDoc(t, tc.doc), tc.format, tc.query, tc.color); err != nil {
				t.Fatalf("Write: %v", err)
			}
			if diff := cmp.Diff(tc.want, buf.String()); diff != "" {
				t.Errorf("output mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
