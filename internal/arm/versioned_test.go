package arm

import (
	"encoding/json"
	"testing"
)

// TestKind_Shape: a document answers each api-version with the versioned
// members it has: AKS's properties.supportPlan from 2023-05-01 on, and
// networkProfile.dockerBridgeCidr (default 172.17.0.1/16 in the
// 2022-11-01 swagger) only before 2023-04-01, when AKS removed it
// (Azure/AKS#3534). Previews compare by their date.
func TestKind_Shape(t *testing.T) {
	k := &Kind{Type: "Microsoft.ContainerService/managedClusters", VersionedFields: []VersionedField{
		{Path: "properties.supportPlan", Since: "2023-05-01"},
		{Path: "properties.networkProfile.dockerBridgeCidr", Before: "2023-04-01", Default: json.RawMessage(`"172.17.0.1/16"`)},
		{Path: "properties.autoUpgradeProfile.nodeOSUpgradeChannel", Since: "2023-06-01", DropEmptyParent: true},
	}}
	stored := `{"name":"c","properties":{"networkProfile":{"podCidr":"10.244.0.0/16"},"supportPlan":"KubernetesOfficial"}}`
	sent := `{"name":"c","properties":{"networkProfile":{"dockerBridgeCidr":"172.18.0.1/16"},"supportPlan":"KubernetesOfficial"}}`
	for _, tc := range []struct {
		name, doc, version, want string
	}{
		{"az 2.45's 2022-11-01", stored, "2022-11-01",
			`{"name":"c","properties":{"networkProfile":{"dockerBridgeCidr":"172.17.0.1/16","podCidr":"10.244.0.0/16"}}}`},
		{"a sent dockerBridgeCidr is kept", sent, "2022-11-01",
			`{"name":"c","properties":{"networkProfile":{"dockerBridgeCidr":"172.18.0.1/16"}}}`},
		{"a preview before the removal", stored, "2023-03-02-preview",
			`{"name":"c","properties":{"networkProfile":{"dockerBridgeCidr":"172.17.0.1/16","podCidr":"10.244.0.0/16"}}}`},
		{"2023-04-01: neither", sent, "2023-04-01",
			`{"name":"c","properties":{"networkProfile":{}}}`},
		{"2023-05-01: supportPlan, as stored", stored, "2023-05-01", stored},
		{"2025-02-01", stored, "2025-02-01", stored},
		{"no network profile: no default", `{"name":"c","properties":{}}`, "2022-11-01", `{"name":"c","properties":{}}`},
		{"no properties", `{"name":"c"}`, "2022-11-01", `{"name":"c"}`},
		{"an object left empty goes with its member", `{"name":"c","properties":{"autoUpgradeProfile":{"nodeOSUpgradeChannel":"NodeImage"}}}`, "2023-05-01",
			`{"name":"c","properties":{}}`},
		{"an object left with others stays", `{"name":"c","properties":{"autoUpgradeProfile":{"nodeOSUpgradeChannel":"NodeImage","upgradeChannel":"stable"}}}`, "2023-05-01",
			`{"name":"c","properties":{"autoUpgradeProfile":{"upgradeChannel":"stable"}}}`},
		{"2023-06-01: the channel, as stored", `{"name":"c","properties":{"autoUpgradeProfile":{"nodeOSUpgradeChannel":"NodeImage"}}}`, "2023-06-01",
			`{"name":"c","properties":{"autoUpgradeProfile":{"nodeOSUpgradeChannel":"NodeImage"}}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := k.Shape(tc.version, []byte(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("Shape(%s) = %s, want %s", tc.version, got, tc.want)
			}
		})
	}
	// A kind without versioned fields hands the document back untouched.
	doc := []byte(`{"a":1}`)
	if got, err := (&Kind{}).Shape("2022-11-01", doc); err != nil || &got[0] != &doc[0] {
		t.Errorf("Shape without fields = %s, %v; want the same bytes", got, err)
	}
	// A stored document that does not decode is an error, not a half answer.
	if _, err := k.Shape("2022-11-01", []byte(`{"properties":{"networkProfile":`)); err == nil {
		t.Error("Shape of a damaged document: no error")
	}
}
