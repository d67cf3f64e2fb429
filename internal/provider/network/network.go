package network

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/aksnet/aksnet/internal/kubenet"
	"github.com/aksnet/aksnet/internal/provider/resources"
)

// Resource types of this provider.
const (
	TypeVirtualNetwork   = "Microsoft.Network/virtualNetworks"
	TypeSubnet           = "Microsoft.Network/virtualNetworks/subnets"
	TypeRouteTable       = "Microsoft.Network/routeTables"
	TypeRoute            = "Microsoft.Network/routeTables/routes"
	TypeNSG              = "Microsoft.Network/networkSecurityGroups"
	TypeSecurityRule     = "Microsoft.Network/networkSecurityGroups/securityRules"
	TypeNetworkInterface = "Microsoft.Network/networkInterfaces"
	TypeLoadBalancer     = "Microsoft.Network/loadBalancers"
	TypePublicIP         = "Microsoft.Network/publicIPAddresses"
	typeManagedCluster   = "Microsoft.ContainerService/managedClusters"
)

// Options tunes the provider.
type Options struct {
	// MaxRoutesPerTable is Azure's route limit per route table (400).
	MaxRoutesPerTable int
}

// Provider holds the provider's options.
type Provider struct {
	opts Options
}

// Register adds the Microsoft.Network kinds to reg and returns the provider.
func Register(reg *arm.Registry, opts Options) *Provider {
	if opts.MaxRoutesPerTable <= 0 {
		opts.MaxRoutesPerTable = 400
	}
	p := &Provider{opts: opts}
	reg.Register(p.virtualNetworkKind())
	reg.Register(p.subnetKind())
	reg.Register(p.routeTableKind())
	reg.Register(p.routeKind())
	reg.Register(p.nsgKind())
	reg.Register(p.securityRuleKind())
	reg.Register(p.defaultSecurityRuleKind())
	reg.Register(p.networkInterfaceKind())
	reg.Register(p.networkWatcherKind())
	reg.Register(asGivenKind(TypeLoadBalancer, lbNameRule))
	reg.Register(asGivenKind(TypePublicIP, pipNameRule))
	return p
}

// Azure's naming rules for network resources.
var (
	// networkNameRE is the network RP's rule for every name it owns.
	networkNameRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$`)
	vnetNameRule  = arm.NameRule{Type: "virtual network", Min: 2, Max: 64,
		Pattern: networkNameRE,
		Explain: "alphanumerics, underscores, periods and hyphens; start with an alphanumeric and end with an alphanumeric or underscore"}
	childNameRule = func(t string) arm.NameRule {
		return arm.NameRule{Type: t, Min: 1, Max: 80,
			Pattern: networkNameRE,
			Explain: "alphanumerics, underscores, periods and hyphens; start with an alphanumeric and end with an alphanumeric or underscore"}
	}
	subnetNameRule = childNameRule("subnet")
	rtNameRule     = childNameRule("route table")
	routeNameRule  = childNameRule("route")
	nsgNameRule    = childNameRule("network security group")
	ruleNameRule   = childNameRule("security rule")
	nicNameRule    = childNameRule("network interface")
	lbNameRule     = childNameRule("load balancer")
	pipNameRule    = childNameRule("public IP address")
)

func succeeded() *armnetwork.ProvisioningState {
	return to.Ptr(armnetwork.ProvisioningStateSucceeded)
}

// trackedEnvelope checks and normalises a tracked resource's location.
func trackedEnvelope(c *arm.Call, loc *string) (string, error) {
	if err := resources.RequireLocation(loc); err != nil {
		return "", err
	}
	l := resources.NormalizeLocation(*loc)
	if c.Existing != nil {
		var old struct {
			Location string `json:"location"`
		}
		if err := c.DecodeExisting(&old); err != nil {
			return "", err
		}
		if old.Location != "" && old.Location != l {
			return "", azerr.BadRequest("InvalidResourceLocation", "location",
				"The resource '%s' already exists in location '%s'. A resource with the same name cannot be created in location '%s'.", c.Name, old.Location, l)
		}
	}
	return l, nil
}

// parseRefID checks that a linked id at target is a well-formed id of type
// wantType, and that it exists.
func parseRefID(c *arm.Call, id, target, wantType, owner string) (string, error) {
	p, err := arm.ParseID(id)
	if err != nil || p.Subscription == "" || !strings.HasPrefix(id, "/") || p.IsCollection() || !strings.EqualFold(p.FullType(), wantType) {
		return "", azerr.BadRequest("LinkedInvalidPropertyId", target,
			"Property id '%s' at path '%s' is invalid. Expect fully qualified resource Id that start with '/subscriptions/{subscriptionId}' or '/providers/{resourceProviderNamespace}/'.", id, target)
	}
	raw := c.StoredDoc(id)
	if raw == nil {
		return "", azerr.BadRequest("InvalidResourceReference", target,
			"Resource %s referenced by resource %s was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.", id, owner)
	}
	var doc struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return "", fmt.Errorf("decode stored %s: %w", id, err)
	}
	return doc.ID, nil
}

// idRefs renders ids as a list of {"id": …} sub-resources, sorted.
func sortedIDs(ids []string) []string {
	out := append([]string(nil), ids...)
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i]) < strings.ToLower(out[j]) })
	return out
}

// refsOfType returns the ids referring to target whose type is t.
func refsOfType(c *arm.Call, target, t string) []string {
	var out []string
	for _, id := range c.RefsTo(target) {
		if strings.EqualFold(arm.TypeOfID(id), t) {
			out = append(out, id)
		}
	}
	return sortedIDs(out)
}

// subnetRefs lists the subnets that refer to target (those associated with
// a route table or NSG) as {"id": …} sub-resources, sorted; the list is
// never nil, as ARM prints an empty array.
func subnetRefs(c *arm.Call, target string) []*armnetwork.Subnet {
	out := []*armnetwork.Subnet{}
	for _, id := range refsOfType(c, target, TypeSubnet) {
		out = append(out, &armnetwork.Subnet{ID: to.Ptr(id)})
	}
	return out
}

func prefixesOf(ss []*string, target string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(ss))
	for i, s := range ss {
		if s == nil {
			continue
		}
		p, err := kubenet.ParsePrefix(*s, target+"["+itoa(i)+"]")
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func itoa(i int) string { return strconv.Itoa(i) }

// childDocs decodes the stored children of parent with the given type
// segment, for rendering them inline; the list is never nil, as ARM prints
// an empty array.
func childDocs[T any](c *arm.Call, parent, childType string) []*T {
	out := []*T{}
	c.ScanChildren(parent, childType, func(raw []byte) bool {
		var v T
		if json.Unmarshal(raw, &v) == nil {
			out = append(out, &v)
		}
		return true
	})
	return out
}

// eachChild decodes the stored children of parent with the given type
// segment into Ts and calls fn with each, until fn returns false. A document
// that does not decode stops the scan with an error: a sibling left out
// would escape the checks a PUT runs over its siblings (limits, overlaps).
func eachChild[T any](c *arm.Call, parent, childType string, fn func(*T) bool) error {
	var err error
	c.ScanChildren(parent, childType, func(raw []byte) bool {
		var v T
		if e := json.Unmarshal(raw, &v); e != nil {
			err = fmt.Errorf("decode a stored child of %s in %s: %w", parent, childType, e)
			return false
		}
		return fn(&v)
	})
	return err
}

// eachOfType decodes into Ts the stored resources of fullType whose ids
// start with idPrefix (see arm.Call.ScanType) and calls fn with each id and
// value, until fn returns false. A document that does not decode stops the
// scan with an error, as in eachChild.
func eachOfType[T any](c *arm.Call, fullType, idPrefix string, fn func(id string, v *T) bool) error {
	var err error
	c.ScanType(fullType, idPrefix, func(id string, raw []byte) bool {
		var v T
		if e := json.Unmarshal(raw, &v); e != nil {
			err = fmt.Errorf("decode stored %s: %w", id, e)
			return false
		}
		return fn(id, &v)
	})
	return err
}

// saveWithChildren stores v, whose field key is an empty (not nil) list, as
// the document of id with that list holding the stored documents of id's
// children of childType, and returns the document. The children go in as
// stored, not decoded and encoded again: stored documents are the SDK
// model's compact encoding already, and the SDK's decoder is the dearest
// part of a render.
func saveWithChildren(c *arm.Call, id string, v any, key, childType string) ([]byte, error) {
	doc, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", id, err)
	}
	// encoding/json escapes every quote inside a string, so the marker can
	// only be the key itself; a document where it is not unique is a bug.
	marker := []byte(`"` + key + `":[]`)
	i := bytes.Index(doc, marker)
	if i < 0 || bytes.Contains(doc[i+len(marker):], marker) {
		return nil, fmt.Errorf("encode %s: no single empty %q list to fill", id, key)
	}
	tail := doc[i+len(marker)-1:] // from the closing bracket on
	out := make([]byte, 0, len(doc)+1024)
	out = append(out, doc[:i+len(marker)-1]...)
	n := 0
	c.ScanChildren(id, childType, func(raw []byte) bool {
		if n > 0 {
			out = append(out, ',')
		}
		out = append(out, raw...)
		n++
		return true
	})
	out = append(out, tail...)
	c.SaveRaw(id, out)
	return out, nil
}

// rerender renders the stored document id again, at most once per
// transaction (see arm.Call.Once): it loads the document into a T and hands
// it to render. A document that is gone is skipped.
//
// drop names properties the render replaces whatever they held (a parent's
// inline children): they are cut from the stored document before it is
// decoded, since decoding a few hundred inline routes with the SDK's model
// would cost more than all the rest of the render.
func rerender[T any](c *arm.Call, id string, render func(*arm.Call, *T) ([]byte, error), drop ...string) error {
	return c.Once("render "+strings.ToLower(id), func() error {
		raw := c.StoredDoc(id)
		if raw == nil {
			return nil
		}
		if len(drop) > 0 {
			var err error
			if raw, err = withoutProperties(raw, drop); err != nil {
				return fmt.Errorf("decode stored %s: %w", id, err)
			}
		}
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			return fmt.Errorf("decode stored %s: %w", id, err)
		}
		_, err := render(c, &v)
		return err
	})
}

// withoutProperties returns doc without the named members of its
// "properties" object. The values of the other members are kept as they are.
func withoutProperties(doc []byte, names []string) ([]byte, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(doc, &top); err != nil {
		return nil, err
	}
	if len(top["properties"]) == 0 || string(top["properties"]) == "null" {
		return doc, nil
	}
	var props map[string]json.RawMessage
	if err := json.Unmarshal(top["properties"], &props); err != nil {
		return nil, err
	}
	for _, n := range names {
		delete(props, n)
	}
	p, err := json.Marshal(props)
	if err != nil {
		return nil, err
	}
	top["properties"] = p
	return json.Marshal(top)
}

// saveDoc stores v as the document of id and returns its bytes.
func saveDoc(c *arm.Call, id string, v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", id, err)
	}
	c.SaveRaw(id, raw)
	return raw, nil
}

// deleteChildrenExcept deletes the children of c.ID of the given type whose
// lowercased names are not in keep: a parent PUT's inline children are the
// complete set, as in Azure. outer is passed to Call.Delete.
func deleteChildrenExcept(c *arm.Call, childType string, keep map[string]bool, outer string) error {
	var drop []string
	c.ScanChildren(c.ID, childType, func(raw []byte) bool {
		var doc struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		}
		if json.Unmarshal(raw, &doc) == nil && doc.Name != "" && !keep[strings.ToLower(doc.Name)] {
			drop = append(drop, doc.ID)
		}
		return true
	})
	for _, id := range drop {
		if err := c.Delete(id, outer); err != nil {
			return err
		}
	}
	return nil
}

// trackedKind is the kind of a tracked network resource (one with a
// location, listed by resource group and by subscription) whose PUT is put.
// Callers set the rest of the kind's hooks on the result.
func trackedKind(t string, rule arm.NameRule, put func(*arm.Call) ([]byte, error)) *arm.Kind {
	return &arm.Kind{
		Type:               t,
		Tracked:            true,
		ListBySubscription: true,
		ValidName:          rule.Check,
		Put:                put,
	}
}

// asGivenKind is a resource AKS provisions (load balancer, public IP) that
// aksnet stores as given, with ARM's envelope fields set.
func asGivenKind(t string, rule arm.NameRule) *arm.Kind {
	return trackedKind(t, rule, func(c *arm.Call) ([]byte, error) {
		var doc map[string]any
		if err := c.Decode(&doc); err != nil {
			return nil, err
		}
		loc, _ := doc["location"].(string)
		l, err := trackedEnvelope(c, &loc)
		if err != nil {
			return nil, err
		}
		props, _ := doc["properties"].(map[string]any)
		if props == nil {
			props = map[string]any{}
		}
		props["provisioningState"] = "Succeeded"
		doc["properties"] = props
		doc["id"], doc["name"], doc["type"], doc["etag"], doc["location"] = c.ID, arm.LastName(c.ID), t, arm.NewETag(), l
		return json.Marshal(doc)
	})
}

// inlineList describes a list of named children inline in a parent's PUT
// body (a VNet's subnets, a route table's routes, an NSG's rules): its JSON
// path, the children's naming rule and the messages for a child without a
// name (formatted with the child's path) and for a name given twice
// (formatted with the name and the parent's name).
type inlineList struct {
	path    string
	rule    arm.NameRule
	missing string
	twice   string
}

// inlineChildren is how a parent's PUT replaces its children of type T
// (a route table's routes, an NSG's custom rules) with those inline in its
// body, each read into an S.
type inlineChildren[T, S any] struct {
	inlineList
	// childType is the children's type segment ("routes").
	childType string
	name      func(*T) *string
	// check reads and checks one child, at JSON path target.
	check func(target, name string, item *T) (S, error)
	// conflicts checks the children of the parent named parent together.
	conflicts func(parent string, children []S) error
	// save stores one child under c.ID.
	save func(c *arm.Call, child S) error
}

// replace checks items (each child, in order, then all of them together),
// deletes the stored children of c.ID that items leave out, and saves
// items.
func (ic *inlineChildren[T, S]) replace(c *arm.Call, items []*T) error {
	children := make([]S, 0, len(items))
	seen, err := eachNamed(ic.inlineList, c.Name, items, ic.name, func(t, name string, item *T) error {
		child, err := ic.check(t, name, item)
		children = append(children, child)
		return err
	})
	if err != nil {
		return err
	}
	if err := ic.conflicts(c.Name, children); err != nil {
		return err
	}
	if err := deleteChildrenExcept(c, ic.childType, seen, c.ID); err != nil {
		return err
	}
	for _, child := range children {
		if err := ic.save(c, child); err != nil {
			return err
		}
	}
	return nil
}

// eachNamed walks the inline children items of the parent named parent, in
// order: each must have a name, valid by l's rule and unique regardless of
// case (InvalidRequestFormat naming the child's name otherwise), and is then
// handed to check with its JSON path and name, so that a child's errors come
// in the order of the list. It returns the children's lowercased names: the
// complete set, as a parent PUT's inline children are in Azure.
func eachNamed[T any](l inlineList, parent string, items []*T, nameOf func(*T) *string, check func(target, name string, item *T) error) (map[string]bool, error) {
	seen := make(map[string]bool, len(items))
	for i, item := range items {
		t := l.path + "[" + itoa(i) + "]"
		var name string
		if item != nil {
			name = deref(nameOf(item))
		}
		if name == "" {
			return nil, azerr.BadRequest("InvalidRequestFormat", t+".name", l.missing, t)
		}
		if err := l.rule.Check(name); err != nil {
			return nil, err
		}
		lower := strings.ToLower(name)
		if seen[lower] {
			return nil, azerr.BadRequest("InvalidRequestFormat", t+".name", l.twice, name, parent)
		}
		seen[lower] = true
		if err := check(t, name, item); err != nil {
			return nil, err
		}
	}
	return seen, nil
}
