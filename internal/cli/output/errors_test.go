package output

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The wanted messages were produced by azure-core's ODataV4Format and
// azure-mgmt-core's ARMErrorFormat, which az prints after "ERROR: ".
func TestARMErrorMessage(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{
			name:   "code and message",
			status: 404,
			body:   `{"error":{"code":"ResourceNotFound","message":"The Resource 'Microsoft.Network/virtualNetworks/myAKSVnet' under resource group 'myResourceGroup' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"}}`,
			want:   "(ResourceNotFound) The Resource 'Microsoft.Network/virtualNetworks/myAKSVnet' under resource group 'myResourceGroup' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix\nCode: ResourceNotFound\nMessage: The Resource 'Microsoft.Network/virtualNetworks/myAKSVnet' under resource group 'myResourceGroup' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
		},
		{
			name:   "target after message",
			status: 400,
			body:   `{"error":{"code":"ServiceCidrOverlapExistingSubnetsCidr","message":"The specified service CIDR 192.168.0.0/16 is conflicted with an existing subnet CIDR 192.168.1.0/24","target":"networkProfile.serviceCIDR"}}`,
			want:   "(ServiceCidrOverlapExistingSubnetsCidr) The specified service CIDR 192.168.0.0/16 is conflicted with an existing subnet CIDR 192.168.1.0/24\nCode: ServiceCidrOverlapExistingSubnetsCidr\nMessage: The specified service CIDR 192.168.0.0/16 is conflicted with an existing subnet CIDR 192.168.1.0/24\nTarget: networkProfile.serviceCIDR",
		},
		{
			name:   "details and inner error",
			status: 400,
			body:   `{"error":{"code":"InvalidTemplateDeployment","message":"The template deployment failed.","details":[{"code":"PodCidrOverlapServiceCidr","message":"Pod CIDR overlaps service CIDR.","target":"networkProfile.podCidr"},{"code":"InsufficientPodCidr","message":"Too small."}],"innererror":{"trace":"abc","café":1}}}`,
			want:   "(InvalidTemplateDeployment) The template deployment failed.\nCode: InvalidTemplateDeployment\nMessage: The template deployment failed.\nException Details:\t(PodCidrOverlapServiceCidr) Pod CIDR overlaps service CIDR.\n\tCode: PodCidrOverlapServiceCidr\n\tMessage: Pod CIDR overlaps service CIDR.\n\tTarget: networkProfile.podCidr\t(InsufficientPodCidr) Too small.\n\tCode: InsufficientPodCidr\n\tMessage: Too small.\nInner error: {\n    \"trace\": \"abc\",\n    \"caf\\u00e9\": 1\n}",
		},
		{
			name:   "additional info",
			status: 403,
			body:   `{"error":{"code":"RequestDisallowedByPolicy","message":"Denied by policy.","additionalInfo":[{"type":"PolicyViolation","info":{"policyDefinitionDisplayName":"Deny public IPs","evaluationDetails":{"evaluatedExpressions":[]}}}]}}`,
			want:   "(RequestDisallowedByPolicy) Denied by policy.\nCode: RequestDisallowedByPolicy\nMessage: Denied by policy.\nAdditional Information:Type: PolicyViolation\nInfo: {\n    \"policyDefinitionDisplayName\": \"Deny public IPs\",\n    \"evaluationDetails\": {\n        \"evaluatedExpressions\": []\n    }\n}",
		},
		{
			name:   "code only",
			status: 409,
			body:   `{"error":{"code":"OnlyCode"}}`,
			want:   "(OnlyCode) None\nCode: OnlyCode\nMessage: None",
		},
		{
			name:   "bare error object, keys in any case",
			status: 400,
			body:   `{"Code":"InvalidCIDRNotation","Message":"bad prefix"}`,
			want:   "(InvalidCIDRNotation) bad prefix\nCode: InvalidCIDRNotation\nMessage: bad prefix",
		},
		{
			name:   "no ARM error in the body",
			status: 502,
			body:   `<html>Bad Gateway</html>`,
			want:   "Operation returned an invalid status 'Bad Gateway'",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := ParseARMError(tc.status, []byte(tc.body))
			if diff := cmp.Diff(tc.want, e.Error()); diff != "" {
				t.Errorf("message (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPrintErrorAndExitCode(t *testing.T) {
	e := ARMError{Status: 404, Code: "ResourceNotFound", Message: "not found", Target: "vnet1"}
	var buf bytes.Buffer
	PrintError(&buf, e)
	want := "ERROR: (ResourceNotFound) not found\nCode: ResourceNotFound\nMessage: not found\nTarget: vnet1\n"
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("PrintError (-want +got):\n%s", diff)
	}
	for status, want := range map[int]int{404: 3, 400: 1, 403: 1, 409: 1, 500: 1} {
		if got := ExitCode(ARMError{Status: status, Code: "X"}); got != want {
			t.Errorf("ExitCode(%d) = %d, want %d", status, got, want)
		}
	}
}

func TestHandleError(t *testing.T) {
	tests := []struct {
		name  string
		err   error
		color bool
		want  string
		code  int
	}{
		{
			name: "ARM 404",
			err:  ARMError{Status: 404, Code: "ResourceGroupNotFound", Message: "Resource group 'rg' could not be found."},
			want: "ERROR: (ResourceGroupNotFound) Resource group 'rg' could not be found.\nCode: ResourceGroupNotFound\nMessage: Resource group 'rg' could not be found.\n",
			code: 3,
		},
		{
			name: "wrapped ARM pointer",
			err:  fmt.Errorf("create: %w", &ARMError{Status: 400, Code: "SubnetIsFull", Message: "full"}),
			want: "ERROR: (SubnetIsFull) full\nCode: SubnetIsFull\nMessage: full\n",
			code: 1,
		},
		{
			name: "usage error",
			err:  UsageError("the following arguments are required: --name/-n, --resource-group/-g"),
			want: "ERROR: the following arguments are required: --name/-n, --resource-group/-g\n",
			code: 2,
		},
		{
			name: "invalid query with recommendation",
			err:  CompileQuery("[?name=='x'"),
			want: "ERROR: argument --query: invalid jmespath_type value: \"[?name=='x'\"\nTo learn more about --query, please visit: 'https://docs.microsoft.com/cli/azure/query-azure-cli'\n",
			code: 2,
		},
		{
			name:  "colour drops the level name",
			err:   errors.New("boom"),
			color: true,
			want:  "\x1b[91mboom\x1b[0m\n",
			code:  1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			code := HandleError(NewLogger(&buf, LevelWarning, tc.color), tc.err)
			if code != tc.code {
				t.Errorf("exit code %d, want %d", code, tc.code)
			}
			if diff := cmp.Diff(tc.want, buf.String()); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
		})
	}
	if got := HandleError(NewLogger(&bytes.Buffer{}, LevelWarning, false), nil); got != 0 {
		t.Errorf("HandleError(nil) = %d, want 0", got)
	}
}

func TestCloseMatches(t *testing.T) {
	// Checked against Python's difflib.get_close_matches(w, names, 3, 0.7).
	names := []string{"json", "jsonc", "yaml", "yamlc", "table", "tsv", "none"}
	tests := map[string][]string{
		"jsn":   {"json", "jsonc"},
		"tabel": {"table"},
		"yml":   {"yaml", "yamlc"},
		"jsonn": {"json", "jsonc"},
		"tab":   {"table"},
		"xml":   nil,
		"text":  nil,
	}
	for word, want := range tests {
		if diff := cmp.Diff(want, closeMatches(word, names, 3, 0.7)); diff != "" {
			t.Errorf("closeMatches(%q) (-want +got):\n%s", word, diff)
		}
	}
}
