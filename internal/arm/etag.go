package arm

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/aksnet/aksnet/internal/store"
)

func checkPreconditions(r *http.Request, existing []byte, exists bool) error {
	if im := r.Header.Get("If-Match"); im != "" {
		if !exists || (im != "*" && !etagMatches(im, docETag(existing))) {
			return azerr.New(http.StatusPreconditionFailed, "PreconditionFailed", "If-Match", "The condition specified using HTTP conditional header(s) is not met: If-Match %s does not match the current ETag.", im)
		}
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" && exists {
		if inm == "*" || etagMatches(inm, docETag(existing)) {
			return azerr.New(http.StatusPreconditionFailed, "PreconditionFailed", "If-None-Match", "The condition specified using HTTP conditional header(s) is not met: the resource already exists with ETag %s.", docETag(existing))
		}
	}
	return nil
}

// etagMatches compares a conditional header (possibly a list, possibly weak)
// with an ETag, ignoring the weak prefix as RFC 9110's weak comparison does.
func etagMatches(header, etag string) bool {
	if etag == "" {
		return false
	}
	// AKS's opaque ETags are sent bare; a client may quote them.
	norm := func(s string) string { return strings.Trim(strings.TrimPrefix(strings.TrimSpace(s), "W/"), `"`) }
	for _, h := range strings.Split(header, ",") {
		if strings.TrimSpace(h) == "*" || norm(h) == norm(etag) {
			return true
		}
	}
	return false
}

// docETag reads the ETag of a stored document: its top-level "etag", as
// the network RP and ARM spell it, or "eTag", as AKS spells a cluster's, or
// else "properties.eTag", where AKS keeps an agent pool's. A document that
// can't be read has none. It runs only for conditional requests.
func docETag(raw []byte) string {
	for _, key := range []string{"etag", "eTag"} {
		if etag, _ := docString(raw, key); etag != "" {
			return etag
		}
	}
	var doc struct {
		Properties struct {
			ETag string `json:"eTag"`
		} `json:"properties"`
	}
	if json.Unmarshal(raw, &doc) != nil {
		return ""
	}
	return doc.Properties.ETag
}

// etagMember opens the documents the SDK's network models encode: their
// members come in alphabetical order, so "etag" is the first.
var etagMember = []byte(`{"etag":"`)

// leadingETag returns the value of the "etag" member that opens doc, or ""
// when doc does not open with one. It reads no further than that member, so
// a GET can answer the ETag header without decoding the document.
func leadingETag(doc []byte) string {
	if !bytes.HasPrefix(doc, etagMember) {
		return ""
	}
	// The value is read by hand: ETags hold no escapes but \" (W/"…"),
	// and a GET should not pay a JSON decoder's allocations for it.
	out := make([]byte, 0, 48)
	for i := len(etagMember); i < len(doc); i++ {
		switch c := doc[i]; c {
		case '"':
			return string(out)
		case '\\':
			if i+1 >= len(doc) || (doc[i+1] != '"' && doc[i+1] != '\\' && doc[i+1] != '/') {
				return "" // another escape: not an ETag aksnet writes
			}
			i++
			out = append(out, doc[i])
		default:
			out = append(out, c)
		}
	}
	return ""
}

// NewOpaqueETag returns a fresh ETag in AKS's form: an opaque string, not
// a quoted HTTP entity tag (the AKS examples in azure-rest-api-specs show
// values such as "beywbwei"; aksnet uses a random UUID).
func NewOpaqueETag() string { return NewUUID() }

// current reads the target of rt in tx and checks the request's
// preconditions (If-Match, If-None-Match) against it. When the target is
// absent (ok false), a missing resource group is the error.
func (s *Server) current(r *http.Request, c *Call, tx store.Reader, rt route) (existing []byte, ok bool, err error) {
	existing, ok = tx.Get(Key(rt.path))
	if err := checkPreconditions(r, existing, ok); err != nil {
		return nil, false, err
	}
	if !ok {
		if err := s.parentMissing(c, tx, rt); err != nil {
			return nil, false, err
		}
	}
	return existing, ok, nil
}
