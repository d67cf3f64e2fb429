package arm

import (
	"encoding/json"
	"errors"
	"unsafe"

	"github.com/tidwall/gjson"
)

// The functions here edit one member of a stored document in place: the
// rest of the document is copied as it is, byte for byte, instead of being
// decoded into maps and encoded again. A document is stored with its
// members in key order (the SDK's models write them so), and a member
// these functions add goes where that order puts it, so an edit of a
// document in that form gives the very bytes the decode-and-encode edit
// would, at a small part of its cost on the hot path of every PUT and GET.

// bytesView is doc as a string without a copy: the edits only read it,
// return new bytes, and keep nothing of it (a member's name may point into
// it) once they return.
func bytesView(doc []byte) string {
	return unsafe.String(unsafe.SliceData(doc), len(doc))
}

// errNotJSON is the error of an edit of a document that is not valid JSON.
var errNotJSON = errors.New("the stored document is not valid JSON")

// member is one member of a JSON object in a document: the offsets of its
// key's opening quote, of its value, and just past its value.
type member struct {
	name            string
	start, val, end int
}

// object is a JSON object in a document: its members in document order
// and the offset of its closing brace.
type object struct {
	members []member
	close   int
}

// find returns the index of the member called name, or -1.
func (o *object) find(name string) int {
	for i, m := range o.members {
		if m.name == name {
			return i
		}
	}
	return -1
}

// readObject reads the JSON object doc[at:end], in a document already
// checked to be valid JSON. (gjson's ForEach reads on past the object's
// end to the end of what it is given, so it is given the object alone.)
func readObject(doc string, at, end int) object {
	var o object
	res := gjson.Result{Type: gjson.JSON, Raw: doc[at:end], Index: at}
	res.ForEach(func(k, v gjson.Result) bool {
		o.members = append(o.members, member{name: k.Str, start: k.Index, val: v.Index, end: v.Index + len(v.Raw)})
		return true
	})
	o.close = at + 1
	if n := len(o.members); n > 0 {
		o.close = o.members[n-1].end
	}
	for o.close < len(doc) && doc[o.close] != '}' {
		o.close++
	}
	return o
}

// walk follows path, a list of member names, from the top-level object of
// doc. It returns the object that holds (or would hold) the path's last
// member, and ok false when doc is not a JSON object or an object on the
// way is absent or not an object.
func walk(doc string, path []string) (object, bool) {
	at, end := skipSpace(doc, 0), len(doc)
	if at >= end || doc[at] != '{' {
		return object{}, false
	}
	for end > at && doc[end-1] != '}' {
		end-- // trailing space
	}
	o := readObject(doc, at, end)
	for _, name := range path[:len(path)-1] {
		i := o.find(name)
		if i < 0 || doc[o.members[i].val] != '{' {
			return object{}, false
		}
		o = readObject(doc, o.members[i].val, o.members[i].end)
	}
	return o, true
}

func skipSpace(doc string, i int) int {
	for i < len(doc) && (doc[i] == ' ' || doc[i] == '\t' || doc[i] == '\n' || doc[i] == '\r') {
		i++
	}
	return i
}

// splice returns doc with doc[from:to] replaced by the concatenation of
// parts.
func splice(doc string, from, to int, parts ...string) []byte {
	n := len(doc) - (to - from)
	for _, p := range parts {
		n += len(p)
	}
	out := make([]byte, 0, n)
	out = append(out, doc[:from]...)
	for _, p := range parts {
		out = append(out, p...)
	}
	return append(out, doc[to:]...)
}

// insertMember returns doc with the member name: value added to o, before
// the first member whose name sorts after name.
func insertMember(doc string, o object, name, value string) []byte {
	key := jsonString(name) + ":"
	for _, m := range o.members {
		if m.name > name {
			return splice(doc, m.start, m.start, key, value, ",")
		}
	}
	if len(o.members) == 0 {
		return splice(doc, o.close, o.close, key, value)
	}
	end := o.members[len(o.members)-1].end
	return splice(doc, end, end, ",", key, value)
}

// removeMember returns doc without o's i-th member and the comma that
// separated it from its neighbour.
func removeMember(doc string, o object, i int) []byte {
	m := o.members[i]
	switch {
	case i+1 < len(o.members):
		return splice(doc, m.start, o.members[i+1].start)
	case i > 0:
		return splice(doc, o.members[i-1].end, m.end)
	default:
		return splice(doc, m.start, skipSpace(doc, m.end))
	}
}

// checkedDoc is a document known to be valid JSON, and its bytes seen as
// a string. An edit of a valid document is valid (FuzzDocEdits), so a chain
// of edits checks the document once, not once per edit.
type checkedDoc struct {
	b []byte
	s string
}

// check checks that doc is valid JSON.
func check(doc []byte) (checkedDoc, error) {
	s := bytesView(doc)
	if !gjson.Valid(s) {
		return checkedDoc{}, errNotJSON
	}
	return checkedDoc{b: doc, s: s}, nil
}

func edited(out []byte) checkedDoc { return checkedDoc{b: out, s: bytesView(out)} }

// set sets the member at path to value, a JSON value: replaced where it
// exists, added where its enclosing object does. changed is false, and d is
// returned as it is, when an enclosing object is absent or not an object,
// or the member already holds value.
func (d checkedDoc) set(path []string, value string) (out checkedDoc, changed bool) {
	o, ok := walk(d.s, path)
	if !ok {
		return d, false
	}
	name := path[len(path)-1]
	i := o.find(name)
	if i < 0 {
		return edited(insertMember(d.s, o, name, value)), true
	}
	m := o.members[i]
	if d.s[m.val:m.end] == value {
		return d, false
	}
	return edited(splice(d.s, m.val, m.end, value)), true
}

// addMissing is set for a member that is absent: one that exists keeps
// its value.
func (d checkedDoc) addMissing(path []string, value string) checkedDoc {
	o, ok := walk(d.s, path)
	if !ok || o.find(path[len(path)-1]) >= 0 {
		return d
	}
	return edited(insertMember(d.s, o, path[len(path)-1], value))
}

// remove removes the member at path; d as it is when there is none. With
// dropEmpty, an enclosing object (not the document) that the removal leaves
// empty goes too.
func (d checkedDoc) remove(path []string, dropEmpty bool) checkedDoc {
	o, ok := walk(d.s, path)
	if !ok {
		return d
	}
	i := o.find(path[len(path)-1])
	if i < 0 {
		return d
	}
	if dropEmpty && len(path) > 1 && len(o.members) == 1 {
		return d.remove(path[:len(path)-1], false)
	}
	return edited(removeMember(d.s, o, i))
}

// jsonString is s as a JSON string, escaped as encoding/json escapes it.
func jsonString(s string) string {
	b, _ := json.Marshal(s) // a string always encodes
	return string(b)
}

// DeleteMembers returns doc, a stored document, without the named members
// of its object at path (member names from the top; none for the document
// itself), editing it in place: the rest of doc is copied byte for byte. A
// document without them, or in which an object on the way is absent or not
// an object, is returned as it is; one that is not valid JSON is an error.
func DeleteMembers(doc []byte, path []string, names ...string) ([]byte, error) {
	d, err := check(doc)
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		d = d.remove(append(path[:len(path):len(path)], n), false)
	}
	return d.b, nil
}
