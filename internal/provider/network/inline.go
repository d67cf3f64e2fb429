package network

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/azerr"
)

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

func prefixesOf(ss []*string, target string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(ss))
	for i, s := range ss {
		if s == nil {
			continue
		}
		p, err := parsePrefix(*s, target+"["+itoa(i)+"]")
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func itoa(i int) string { return strconv.Itoa(i) }
