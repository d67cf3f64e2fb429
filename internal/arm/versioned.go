package arm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// A VersionedField is a member of a kind's documents that only some
// api-versions have. aksnet stores one document per resource, with every
// member it serves; an answer to an api-version without the member leaves
// it out, as the service does (AKS added properties.supportPlan in
// 2023-05-01 and removed networkProfile.dockerBridgeCidr in 2023-04-01).
type VersionedField struct {
	// Path is the member's dotted JSON path in the document, e.g.
	// "properties.networkProfile.dockerBridgeCidr". Every step but the last
	// names an object.
	Path string
	// Since is the first api-version with the member ("" for every one
	// before Before).
	Since string
	// Before is the first api-version without it again ("" for every one
	// from Since on).
	Before string
	// Default, when set, is the member's JSON value in an answer to an
	// api-version that has the member, for a document without it (whose
	// enclosing object exists): the service's default for a member the
	// stored model does not carry.
	Default json.RawMessage
	// DropEmptyParent removes the enclosing object too when removing the
	// member leaves it empty ({}): for an api-version without the member,
	// an object that held only it is absent (autoUpgradeProfile holding
	// only nodeOSUpgradeChannel, to api-versions before that member).
	DropEmptyParent bool
}

// in reports whether api-version v has the field. Versions compare by
// their date: a preview shows what the stable version of its date shows.
func (f VersionedField) in(v string) bool {
	d := apiDate(v)
	return (f.Since == "" || d >= apiDate(f.Since)) && (f.Before == "" || d < apiDate(f.Before))
}

// apiDate is the yyyy-mm-dd of an api-version ("2023-04-02-preview" →
// "2023-04-02"); checkAPIVersion has already refused any other shape.
func apiDate(v string) string {
	if len(v) >= 10 {
		return v[:10]
	}
	return v
}

// Shape returns doc, a stored document of k, as api-version v shows it:
// without the versioned fields v does not have, and with the defaults of
// those it has and doc lacks. The members around an edit are copied as they
// are (docedit.go); a document with nothing to change is returned as it is.
func (k *Kind) Shape(v string, doc []byte) ([]byte, error) {
	var d checkedDoc
	checked := false
	for _, f := range k.VersionedFields {
		path := strings.Split(f.Path, ".")
		in := f.in(v)
		remove := !in && bytes.Contains(doc, []byte(`"`+path[len(path)-1]+`"`))
		if !remove && (!in || f.Default == nil) {
			continue
		}
		if !checked {
			var err error
			if d, err = check(doc); err != nil {
				return nil, fmt.Errorf("shape a %s document for api-version %s: %w", k.Type, v, err)
			}
			checked = true
		}
		if remove {
			d = d.remove(path, f.DropEmptyParent)
		} else {
			d = d.addMissing(path, string(f.Default))
		}
		doc = d.b
	}
	return doc, nil
}

// shapeItems shapes each of a list's items for api-version v.
func (k *Kind) shapeItems(v string, items [][]byte) error {
	if len(k.VersionedFields) == 0 {
		return nil
	}
	for i, it := range items {
		out, err := k.Shape(v, it)
		if err != nil {
			return err
		}
		items[i] = out
	}
	return nil
}
