package network

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aksnet/aksnet/internal/arm"
)

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
// part of a render. The children carry the parent's etag (see saveRendered).
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
	kids := storedChildren(c, id, childType)
	tail := doc[i+len(marker)-1:] // from the closing bracket on
	out := make([]byte, 0, len(doc)+1024)
	out = append(out, doc[:i+len(marker)-1]...)
	for n, k := range kids {
		if n > 0 {
			out = append(out, ',')
		}
		out = append(out, k.raw...)
	}
	out = append(out, tail...)
	return saveFamily(c, id, out, kids)
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
// "properties" object. The rest of the document is kept as it is, byte for
// byte (a route table's other members are not decoded and encoded again
// to drop its hundreds of routes).
func withoutProperties(doc []byte, names []string) ([]byte, error) {
	return arm.DeleteMembers(doc, []string{"properties"}, names...)
}

// saveDoc stores v, a rendering of the document of id, as saveRendered
// does, and returns its bytes. v embeds id's children of childTypes, which
// carry the parent's etag.
func saveDoc(c *arm.Call, id string, v any, childTypes ...string) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", id, err)
	}
	if len(childTypes) == 0 {
		return saveRendered(c, id, raw)
	}
	return saveFamily(c, id, raw, storedChildren(c, id, childTypes...))
}

// saveRendered stores doc, a rendering of the document of id, and returns
// what it stored. A resource's ETag changes whenever anything in its GET
// body changes, derived content included (a subnet's ipConfigurations, a
// route table's routes and subnets, a VNet's inline subnets):
//   - a rendering identical to the stored document is not written, and its
//     ETag stays;
//   - one that differs but still carries the stored ETag (a re-render after
//     a child or a back-reference changed) gets a new ETag;
//   - one that carries an ETag of its own (a PUT's) is stored as it is.
func saveRendered(c *arm.Call, id string, doc []byte) ([]byte, error) {
	return saveFamily(c, id, doc, nil)
}

// storedChild is a child document of a parent being rendered: its stored
// bytes (a copy) and the raw JSON string of its etag.
type storedChild struct {
	raw []byte
	tag string
}

// storedChildren returns the stored children of parent of childTypes, in
// store order within each type.
func storedChildren(c *arm.Call, parent string, childTypes ...string) []storedChild {
	var out []storedChild
	for _, t := range childTypes {
		c.ScanChildren(parent, t, func(raw []byte) bool {
			tag, _, _ := leadingETag(raw)
			out = append(out, storedChild{raw: bytes.Clone(raw), tag: tag})
			return true
		})
	}
	return out
}

// saveFamily stores doc, the rendering of parent id that embeds kids (its
// stored children), as saveRendered describes, and makes the children carry
// the parent's etag, inline and stored, as the network RP does: a VNet's
// subnets, a route table's routes and an NSG's rules show their parent's
// etag in their own GET and in the parent's, and it changes for all of
// them when any of them changes (azure-powershell's recorded sessions
// TestVirtualNetworkSubnetRouteTableCRUD, TestRouteTableRouteCRUD and
// TestNetworkSecurityGroupSecurityRuleCRUD, src/Network/Network.Test/
// SessionRecords). So a child's If-Match is its parent's etag.
func saveFamily(c *arm.Call, id string, doc []byte, kids []storedChild) ([]byte, error) {
	tag, start, end := leadingETag(doc)
	if tag != "" && len(kids) > 0 {
		// Inline children show the parent's etag, whatever their stored
		// one (a child written by this request has a fresh one). Most
		// children share one stale tag (the parent's before a change), so
		// each distinct tag is replaced once: a pass per child copied the
		// whole document a hundred times for a table of 100 routes.
		replaced := map[string]bool{tag: true}
		for _, k := range kids {
			if k.tag != "" && !replaced[k.tag] {
				replaced[k.tag] = true
				doc = bytes.ReplaceAll(doc, []byte(k.tag), []byte(tag))
			}
		}
	}
	if old := c.StoredDoc(id); old != nil {
		if bytes.Equal(old, doc) {
			return doc, followParentTag(c, kids, tag)
		}
		if oldTag, _, _ := leadingETag(old); oldTag != "" && oldTag == tag {
			fresh, err := json.Marshal(arm.NewETag())
			if err != nil {
				return nil, fmt.Errorf("encode the etag of %s: %w", id, err)
			}
			if len(kids) == 0 {
				doc = append(append(append(make([]byte, 0, len(doc)+len(fresh)-(end-start)), doc[:start]...), fresh...), doc[end:]...)
			} else {
				// The parent's and its inline children's.
				doc = bytes.ReplaceAll(doc, []byte(tag), fresh)
			}
			tag = string(fresh)
		}
	}
	if err := c.SaveRaw(id, doc); err != nil {
		return nil, err
	}
	return doc, followParentTag(c, kids, tag)
}

// followParentTag stores again, with the etag tag (a raw JSON string), the
// children of kids whose stored etag differs.
func followParentTag(c *arm.Call, kids []storedChild, tag string) error {
	if tag == "" {
		return nil
	}
	for _, k := range kids {
		if k.tag == tag {
			continue
		}
		_, start, end := leadingETag(k.raw)
		if end == 0 {
			continue // a child without an etag: nothing to follow
		}
		id, err := childID(k.raw, end)
		if err != nil {
			return err
		}
		raw := append(append(append(make([]byte, 0, len(k.raw)+len(tag)-(end-start)), k.raw[:start]...), tag...), k.raw[end:]...)
		// Only the etag changes: no change time, no kept fields, no watcher.
		if err := c.RestampRaw(id, raw); err != nil {
			return err
		}
	}
	return nil
}

// idAfterETag is what follows a stored child's leading etag: the SDK's models
// encode members in alphabetical order, so "id" comes next.
var idAfterETag = []byte(`,"id":"`)

// childID returns the id of the stored child doc whose leading etag ends at
// end. A child of a table of 100 routes is read this way on every route PUT,
// so the common case (an id with no escapes, right after the etag) is read
// without a JSON decoder; anything else is decoded.
func childID(doc []byte, end int) (string, error) {
	if rest := doc[end:]; bytes.HasPrefix(rest, idAfterETag) {
		rest = rest[len(idAfterETag):]
		if i := bytes.IndexByte(rest, '"'); i > 0 && bytes.IndexByte(rest[:i], '\\') < 0 {
			return string(rest[:i]), nil
		}
	}
	var child struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(doc, &child); err != nil {
		return "", fmt.Errorf("decode a stored child: %w", err)
	}
	if child.ID == "" {
		return "", fmt.Errorf("a stored child has no id: %.80s", doc)
	}
	return child.ID, nil
}

// renewETag gives the stored document id a fresh etag. A PUT of a child (a
// subnet, a route, a security rule) is a write of its parent in the network
// RP: the parent's etag, and so every child's, changes even when the PUT
// changed nothing. The parent's deferred render then carries it to the
// children.
func renewETag(c *arm.Call, id string) error {
	raw := c.StoredDoc(id)
	_, start, end := leadingETag(raw)
	if end == 0 {
		return nil // gone, or no etag to renew
	}
	fresh, err := json.Marshal(arm.NewETag())
	if err != nil {
		return fmt.Errorf("encode the etag of %s: %w", id, err)
	}
	doc := append(append(append(make([]byte, 0, len(raw)+len(fresh)-(end-start)), raw[:start]...), fresh...), raw[end:]...)
	return c.SaveRaw(id, doc)
}

// etagMember opens the documents the SDK's models encode: their members
// come in alphabetical order, so "etag" is the first.
var etagMember = []byte(`{"etag":"`)

// leadingETag finds the "etag" member that opens doc and returns its raw
// JSON string (quotes and escapes included) and where that string starts
// and ends in doc; "" when doc does not open with one.
func leadingETag(doc []byte) (tag string, start, end int) {
	if !bytes.HasPrefix(doc, etagMember) {
		return "", 0, 0
	}
	start = len(etagMember) - 1
	for i := start + 1; i < len(doc); i++ {
		switch doc[i] {
		case '\\':
			i++
		case '"':
			return string(doc[start : i+1]), start, i + 1
		}
	}
	return "", 0, 0
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
