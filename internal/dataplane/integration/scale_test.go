package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"
)

// TestIntegrationScaleDownRemovesPods: the pods of a node that a scale-down
// removes go with it, their namespaces and addresses too; after a scale-up
// the new node's pods get addresses no other pod has, and answer as
// themselves. (They lingered, and their IPs were handed out twice.)
func TestIntegrationScaleDownRemovesPods(t *testing.T) {
	e, c := startArticle(t, "rg-scale-pods")
	keep := c.run("keep", 0, false)
	gone := []pod{c.run("gone-1", 2, false), c.run("gone-2", 2, false)}
	e.az("aks", "scale", "-g", c.rg, "-n", c.name, "--node-count", "2")

	list := func() []pod {
		var out []pod
		must(t, json.Unmarshal([]byte(e.az("aks", "pod", "list", "-g", c.rg, "-n", c.name)), &out))
		return out
	}
	for _, p := range list() {
		if p.Node == c.nodes[2].name {
			t.Errorf("pod %s is still on removed node %s", p.Name, p.Node)
		}
	}
	for _, p := range gone {
		eventually(t, 5*time.Second, "pod "+p.Name+"'s namespace removed", func() error {
			if _, err := os.Stat(p.Netns); !os.IsNotExist(err) {
				return fmt.Errorf("%s is still there after its node went: %v", p.Netns, err)
			}
			return nil
		})
	}

	e.az("aks", "scale", "-g", c.rg, "-n", c.name, "--node-count", "3")
	fresh := []pod{c.run("new-1", -1, false), c.run("new-2", -1, false), c.run("new-3", -1, false)}
	seen := map[string]string{}
	for _, p := range list() {
		if other, dup := seen[p.PodIP]; dup {
			t.Errorf("pods %s and %s share %s", other, p.Name, p.PodIP)
		}
		seen[p.PodIP] = p.Name
	}
	for _, p := range fresh {
		sees(t, keep, p.PodIP+":8080", p.Name, keep.PodIP)
	}
}
