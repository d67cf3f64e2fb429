// Package nodes keeps a cluster's Kubernetes Nodes in step with the VMSS instances aksnet manages.
//
// aksnetd writes the desired Nodes to nodes.json (schema: the root module's internal/kubenodes,
// its one declaration); the Mirror creates, updates and drains-then-deletes Nodes to match it, and
// renews every Node's Lease in kube-node-lease so the node-lifecycle controller sees them alive.
// The pod CIDR in the file is the one aksnet allocated (the route table's prefix and the data
// plane's cbr0 subnet); the controller-manager's node IPAM is off, so it is the only one.
package nodes

import (
	"errors"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/aksnet/aksnet/internal/kubenodes"
)

// Parse decodes a spec file's contents and validates them: what the schema promises
// (kubenodes.File.Validate), then each node against Kubernetes's own rules, so that a Node the
// mirror builds from it is one the apiserver accepts.
func Parse(b []byte) (kubenodes.File, error) {
	f, err := kubenodes.Parse(b)
	if err != nil {
		return kubenodes.File{}, err
	}
	var errs []error
	for i, n := range f.Nodes {
		if err := validate(n); err != nil {
			errs = append(errs, fmt.Errorf("node spec: nodes[%d]: %w", i, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return kubenodes.File{}, err
	}
	return f, nil
}

// validate checks n's name, pool, labels and capacity with Kubernetes's validation.
func validate(n kubenodes.Node) error {
	if msgs := validation.IsDNS1123Subdomain(n.Name); len(msgs) > 0 {
		return fmt.Errorf("name %q: %s", n.Name, strings.Join(msgs, "; "))
	}
	if msgs := validation.IsDNS1123Label(n.Pool); len(msgs) > 0 {
		return fmt.Errorf("%s: pool %q: %s", n.Name, n.Pool, strings.Join(msgs, "; "))
	}
	for k, v := range n.Labels {
		if msgs := validation.IsQualifiedName(k); len(msgs) > 0 {
			return fmt.Errorf("%s: label key %q: %s", n.Name, k, strings.Join(msgs, "; "))
		}
		if msgs := validation.IsValidLabelValue(v); len(msgs) > 0 {
			return fmt.Errorf("%s: label %s value %q: %s", n.Name, k, v, strings.Join(msgs, "; "))
		}
	}
	for what, q := range map[string]string{"cpu": n.CPU, "memory": n.Memory} {
		if q == "" {
			continue
		}
		if _, err := resource.ParseQuantity(q); err != nil {
			return fmt.Errorf("%s: %s %q: %w", n.Name, what, q, err)
		}
	}
	return nil
}
