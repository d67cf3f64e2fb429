package arm

import (
	"strings"
	"unicode/utf8"

	"github.com/aksnet/aksnet/internal/azerr"
)

// ResourceID is a parsed ARM path.
//
// Every ARM path is a scope followed by at most one provider section:
//
//	/subscriptions/{sub}/resourceGroups/{rg}/providers/{ns}/{type}/{name}/{child}/{childName}
//	{scope}/providers/Microsoft.Authorization/roleAssignments/{name}
//
// Scope is the part before the last "/providers/" (the resource group, the
// subscription or an enclosing resource). Types and Names alternate after the
// namespace; when Types has one element more than Names the path names a
// collection (or a POST action on the resource named by the other segments).
type ResourceID struct {
	Subscription  string
	ResourceGroup string
	Scope         string
	Namespace     string
	Types         []string
	Names         []string
}

// ParseID parses an ARM request path. Segment keywords ("subscriptions",
// "resourceGroups", "providers") match case-insensitively, as ARM does, in
// ASCII only: Unicode folding would let "ſubscriptions" (long s) name a
// subscription while store keys (Key) and RBAC scopes, which fold
// differently, still tell the two apart.
func ParseID(path string) (ResourceID, error) {
	var id ResourceID
	p := strings.Trim(path, "/")
	if p == "" {
		return id, nil
	}
	segs := strings.Split(p, "/")
	for _, s := range segs {
		if s == "" {
			return id, badID(path)
		}
	}
	if !isKeyword(segs[0], "subscriptions") {
		if !isKeyword(segs[0], "providers") {
			return id, badID(path)
		}
	}
	i, done := parseIDContainers(&id, segs)
	if done {
		return id, nil
	}
	return parseIDProvider(id, segs, i, path)
}

// parseIDContainers reads the leading /subscriptions/{sub} and
// /resourceGroups/{rg} of segs into id and returns the index of the first
// segment after them; done is true when segs ends in the subscriptions or
// resourceGroups collection, which id then names.
func parseIDContainers(id *ResourceID, segs []string) (i int, done bool) {
	if !isKeyword(segs[0], "subscriptions") {
		return 0, false
	}
	if len(segs) < 2 {
		id.Types = []string{"subscriptions"}
		return 0, true
	}
	id.Subscription = segs[1]
	i = 2
	if i < len(segs) && isKeyword(segs[i], "resourceGroups") {
		if i+1 >= len(segs) {
			id.Types = []string{"resourceGroups"}
			return i, true
		}
		id.ResourceGroup = segs[i+1]
		i += 2
	}
	return i, false
}

// parseIDProvider reads segs[i:], the part after the containers, into id:
// the scope up to the last "providers" keyword, then the namespace and the
// alternating types and names. Without a provider section it is at most one
// builtin collection (resources, locations).
func parseIDProvider(id ResourceID, segs []string, i int, path string) (ResourceID, error) {
	// Find the last "providers" keyword: everything before it is the scope.
	last := -1
	for j := i; j < len(segs)-1; j++ {
		if isKeyword(segs[j], "providers") {
			last = j
		}
	}
	if last < 0 {
		if i < len(segs) {
			// e.g. /subscriptions/s/resourceGroups/rg/resources, /subscriptions/s/locations
			id.Types = segs[i:]
			if len(id.Types) != 1 {
				return id, badID(path)
			}
		}
		return id, nil
	}
	id.Scope = "/" + strings.Join(segs[:last], "/")
	if last == 0 {
		id.Scope = ""
	}
	id.Namespace = segs[last+1]
	rest := segs[last+2:]
	for k, s := range rest {
		if k%2 == 0 {
			id.Types = append(id.Types, s)
		} else {
			id.Names = append(id.Names, s)
		}
	}
	if len(id.Types) == 0 {
		return id, badID(path)
	}
	return id, nil
}

// isKeyword reports whether seg is the keyword kw, ignoring ASCII case.
func isKeyword(seg, kw string) bool {
	if len(seg) != len(kw) {
		return false
	}
	for i := 0; i < len(seg); i++ {
		a, b := seg[i], kw[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}

func badID(path string) error {
	return azerr.BadRequest("InvalidResourceId", "id", "The resource id '%s' is not valid.", path)
}

// FullType returns "{namespace}/{type}/{childType}…", the type key used to
// find the resource kind, e.g. "Microsoft.Network/virtualNetworks/subnets".
func (id ResourceID) FullType() string {
	if id.Namespace == "" {
		return strings.Join(id.Types, "/")
	}
	return id.Namespace + "/" + strings.Join(id.Types, "/")
}

// IsCollection reports whether the path names a collection (its last type has
// no name).
func (id ResourceID) IsCollection() bool { return len(id.Types) > len(id.Names) }

// Key returns the store key of the resource or collection named by path: the
// lowercased, slash-trimmed path, so that lookups are case-insensitive.
func Key(path string) string {
	return lowerKey("r/", strings.Trim(path, "/"))
}

// lowerKey returns prefix followed by s in lower case, as one allocation
// for ASCII s (store keys are built from ids on every request, several
// times each).
func lowerKey(prefix, s string) string {
	var b strings.Builder // String() hands over its buffer without a copy
	b.Grow(len(prefix) + len(s))
	b.WriteString(prefix)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return prefix + strings.ToLower(s)
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}

// KeyOf returns the store key of a canonical resource id string.
func KeyOf(id string) string { return Key(id) }

// SubscriptionID returns "/subscriptions/{sub}".
func SubscriptionID(sub string) string { return "/subscriptions/" + sub }

// ResourceGroupID returns the canonical id of a resource group.
func ResourceGroupID(sub, rg string) string {
	return "/subscriptions/" + sub + "/resourceGroups/" + rg
}

// ParentOf returns the id of the resource that contains id: for a child
// resource its parent resource, for a top-level resource its scope.
func ParentOf(id string) string {
	segs := strings.Split(strings.Trim(id, "/"), "/")
	if len(segs) >= 4 && isKeyword(segs[len(segs)-4], "providers") {
		return "/" + strings.Join(segs[:len(segs)-4], "/")
	}
	if len(segs) >= 2 {
		return "/" + strings.Join(segs[:len(segs)-2], "/")
	}
	return ""
}

// LastName returns the last segment of id.
func LastName(id string) string {
	id = strings.TrimRight(id, "/")
	return id[strings.LastIndexByte(id, '/')+1:]
}
