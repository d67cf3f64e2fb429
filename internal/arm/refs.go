package arm

import (
	"strings"

	"github.com/aksnet/aksnet/internal/store"
)

// References record which resource points at which, so that deleting a
// resource still in use is refused (InUseSubnetCannotBeDeleted and friends)
// and back-references (a route table's subnets) can be listed. Two keys are
// kept per edge, one per direction:
//
//	x/{target}\x00{source} -> source id
//	y/{source}\x00{target} -> target id

// SetRefs makes targets the complete set of resources source refers to.
func (c *Call) SetRefs(source string, targets ...string) {
	setRefs(c.Tx, source, targets...)
}

func setRefs(tx store.Tx, source string, targets ...string) {
	ls := strings.ToLower(source)
	var old []string
	tx.Scan("y/"+ls+"\x00", func(k string, v []byte) bool {
		old = append(old, string(v))
		return true
	})
	for _, t := range old {
		tx.Delete("y/" + ls + "\x00" + strings.ToLower(t))
		tx.Delete("x/" + strings.ToLower(t) + "\x00" + ls)
	}
	for _, t := range targets {
		if t == "" {
			continue
		}
		lt := strings.ToLower(t)
		tx.Put("y/"+ls+"\x00"+lt, []byte(t))
		tx.Put("x/"+lt+"\x00"+ls, []byte(source))
	}
}

// RefsTo returns the ids of the resources that refer to target.
func (c *Call) RefsTo(target string) []string { return refsTo(c.R, target) }

func refsTo(r store.Reader, target string) []string {
	var out []string
	r.Scan("x/"+strings.ToLower(target)+"\x00", func(_ string, v []byte) bool {
		out = append(out, string(v))
		return true
	})
	return out
}

// RefsFrom returns the ids source refers to.
func (c *Call) RefsFrom(source string) []string {
	var out []string
	c.R.Scan("y/"+strings.ToLower(source)+"\x00", func(_ string, v []byte) bool {
		out = append(out, string(v))
		return true
	})
	return out
}

// within reports whether id is outer or lies under it (case-insensitive).
func within(id, outer string) bool {
	if outer == "" {
		return false
	}
	l, o := strings.ToLower(id), strings.ToLower(strings.TrimRight(outer, "/"))
	return l == o || strings.HasPrefix(l, o+"/")
}

// Within reports whether id is outer or lies under it, case-insensitively.
func Within(id, outer string) bool { return within(id, outer) }
