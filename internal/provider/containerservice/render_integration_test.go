package containerservice_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/armtest"
)

// inlineChildren reads the GET body of parent and returns its
// properties[key] list, each child as sent.
func (h *harness) inlineChildren(parentID, key string) []json.RawMessage {
	h.T.Helper()
	var doc struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(h.Get(parentID), &doc); err != nil {
		h.T.Fatalf("decode GET %s: %v", parentID, err)
	}
	var out []json.RawMessage
	if raw, ok := doc.Properties[key]; ok {
		if err := json.Unmarshal(raw, &out); err != nil {
			h.T.Fatalf("decode properties.%s of %s: %v", key, parentID, err)
		}
	}
	return out
}

// checkInlineFresh compares each child inline in parent's GET (under
// properties[key]) with the child's own GET, field by field: a parent
// always embeds its children as their GET shows them. It returns the
// children's ids.
func (h *harness) checkInlineFresh(parentID, key string) []string {
	h.T.Helper()
	var ids []string
	for _, raw := range h.inlineChildren(parentID, key) {
		var id struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(raw, &id); err != nil || id.ID == "" {
			h.T.Errorf("%s lists %s without an id", parentID, raw)
			continue
		}
		ids = append(ids, id.ID)
		own := h.Get(id.ID)
		if !sameJSON(raw, own) {
			h.T.Errorf("%s embeds %s as\n%s\nbut its GET is\n%s", shortID(parentID), shortID(id.ID), raw, own)
		}
	}
	return ids
}

// shortID shortens an id to its last two segments, for messages.
func shortID(id string) string {
	parts := strings.Split(id, "/")
	if len(parts) < 2 {
		return id
	}
	return strings.Join(parts[len(parts)-2:], "/")
}

// sameJSON reports whether a and b are the same JSON value, member order
// aside.
func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	xs, _ := json.Marshal(x)
	ys, _ := json.Marshal(y)
	return bytes.Equal(xs, ys)
}

// subnetIPConfigs is the number of ipConfigurations a subnet's GET lists.
func (h *harness) subnetIPConfigs(id string) int {
	h.T.Helper()
	return len(h.subnet(id).Properties.IPConfigurations)
}

// Issue 17, point 4: a VNet GET embeds its subnets as a subnet GET shows
// them, right after the create returns and after each scale; so do the
// route table (its routes) and the cluster's NSG (its NICs). In the network
// RP's swagger (azure-rest-api-specs, specification/network/resource-manager/
// Microsoft.Network/stable/2024-05-01/virtualNetwork.json) a VNet's
// properties.subnets are the same Subnet definition a subnet GET returns,
// with its read-only ipConfigurations: one object, read two ways. The bug:
// the VNet was rendered before the subnet's ipConfigurations, and not again.
func TestIntegrationRender_ParentsEmbedFreshChildren(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	n := h.articleNetwork(armtest.RGName(t))
	h.mustPutCluster(n.rg, "c", kubenetCluster(n.subnetID, n.identityID, 3))

	check := func(stage string, nodes int) {
		t.Helper()
		if got := h.subnetIPConfigs(n.subnetID); got != nodes {
			t.Errorf("%s: subnet GET lists %d ipConfigurations, want %d", stage, got, nodes)
		}
		h.checkInlineFresh(n.vnetID, "subnets")
		l := h.layoutOf(n.rg, "c")
		if l.RouteID == "" {
			t.Fatalf("%s: the cluster's subnet has no route table", stage)
		}
		h.checkInlineFresh(l.RouteID, "routes")
		if len(l.Nodes) > 0 {
			nsg := l.Nodes[0].NSGID
			var doc struct {
				Properties struct {
					NetworkInterfaces []struct {
						ID string `json:"id"`
					} `json:"networkInterfaces"`
				} `json:"properties"`
			}
			if err := json.Unmarshal(h.Get(nsg), &doc); err != nil {
				t.Fatal(err)
			}
			if got := len(doc.Properties.NetworkInterfaces); got != nodes {
				t.Errorf("%s: NSG lists %d networkInterfaces, want %d", stage, got, nodes)
			}
		}
	}
	// Issue 17, point 3: a scale changes the subnet's ipConfigurations,
	// so its ETag, and the VNet's, which embeds it.
	etags := func() (subnet, vnet string) {
		var s, v struct {
			Etag string `json:"etag"`
		}
		_ = json.Unmarshal(h.Get(n.subnetID), &s)
		_ = json.Unmarshal(h.Get(n.vnetID), &v)
		return s.Etag, v.Etag
	}
	check("after create", 3)
	for _, count := range []int32{5, 2} {
		se, ve := etags()
		if _, err := h.scaleCluster(n.rg, "c", count); err != nil {
			t.Fatalf("scale to %d: %v", count, err)
		}
		stage := fmt.Sprintf("after scale to %d", count)
		check(stage, int(count))
		if s, v := etags(); s == se || v == ve {
			t.Errorf("%s: subnet etag %s -> %s, VNet etag %s -> %s; want both changed", stage, se, s, ve, v)
		}
	}
}
