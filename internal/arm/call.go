package arm

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/aksnet/aksnet/internal/store"
)

// Caller is the authenticated principal behind a request.
type Caller struct {
	ObjectID string
	AppID    string
	TenantID string
}

// Call is one request as a Kind's hooks see it.
type Call struct {
	Ctx    context.Context
	Server *Server
	// R reads the state; during writes it is the same transaction as Tx.
	R store.Reader
	// Tx is the write transaction; nil for reads.
	Tx     store.Tx
	Kind   *Kind
	Caller *Caller
	// Method is the HTTP method of the request.
	Method string
	Query  url.Values
	Header http.Header
	// ID is the canonical id of the target resource (empty for collections).
	ID string
	// Name is the target's name as the client spelled it.
	Name string
	// Parent is the canonical id of the enclosing resource or scope.
	Parent string
	// Parsed is the parsed request path.
	Parsed ResourceID
	// Body is the request body (PUT, PATCH, POST).
	Body []byte
	// Existing is the stored document of the target, nil when absent.
	Existing []byte
	// Status overrides the success status of a PUT (default 201/200).
	Status int

	base        string
	apiVersion  string
	operationID string
	// operationLocation is the region in operationID's URLs.
	operationLocation string
	keptFor           string // the id whose kept fields this call wrote (passthrough.go)
	fx                *effects
	deferred          *deferredWork
}

// effects are what a write transaction's hooks leave for after its commit:
// the after-commit functions and the ids stored or deleted. Like
// deferredWork, they are shared by a call and the sub-calls its hooks make
// (a cascade's deletes), so that work a sub-call deferred with Once and runs
// at the end still reports to the one list.
type effects struct {
	after   []func()
	changed []string
}

// effects returns the call's shared effects, made on first use.
func (c *Call) effects() *effects {
	if c.fx == nil {
		c.fx = &effects{}
	}
	return c.fx
}

// deferredWork is work registered with Once, shared by a call and the
// sub-calls its hooks make.
type deferredWork struct {
	// pending holds the keys of the work queued and not yet started.
	pending map[string]bool
	fns     []keyedWork
}

type keyedWork struct {
	key string
	fn  func() error
}

// Once registers fn to run under key at the end of the write transaction,
// after every hook has run and before the commit, unless work under key is
// already queued and not yet started. Renders of derived documents (a VNet's
// inline subnets, a route table's routes) use it so that a transaction
// touching hundreds of children renders each parent once.
//
// Work under a key that has already run is queued again: a deferred render
// of a child (a subnet's ipConfigurations) that runs after its parent's
// render asks for the parent again, and the parent must then embed the
// child as it now is. So every render registered this way sees the final
// state of what it reads, whatever order the hooks registered them in.
func (c *Call) Once(key string, fn func() error) error {
	if c.deferred == nil {
		return fn()
	}
	if c.deferred.pending[key] {
		return nil
	}
	c.deferred.pending[key] = true
	c.deferred.fns = append(c.deferred.fns, keyedWork{key, fn})
	return nil
}

// runDeferred runs the work registered with Once until none is left (a
// render may register more).
func (c *Call) runDeferred() error {
	if c.deferred == nil {
		return nil
	}
	for len(c.deferred.fns) > 0 {
		w := c.deferred.fns[0]
		c.deferred.fns = c.deferred.fns[1:]
		// Started: from here a new request under the key queues it again.
		delete(c.deferred.pending, w.key)
		if err := w.fn(); err != nil {
			return err
		}
	}
	return nil
}

// Decode unmarshals the request body into v, answering ARM's
// InvalidRequestContent for malformed JSON or wrongly typed fields.
func (c *Call) Decode(v any) error {
	if len(strings.TrimSpace(string(c.Body))) == 0 {
		return azerr.BadRequest("InvalidRequestContent", "", "The request content was invalid and could not be deserialized: the body is empty.")
	}
	if err := json.Unmarshal(c.Body, v); err != nil {
		return azerr.BadRequest("InvalidRequestContent", "", "The request content was invalid and could not be deserialized: %s", err.Error())
	}
	return nil
}

// DecodeExisting unmarshals the target's stored document (Existing) into v.
// The server wrote that document, so one that does not decode is a damaged
// record: an error naming it, never a document to overwrite.
func (c *Call) DecodeExisting(v any) error {
	if err := json.Unmarshal(c.Existing, v); err != nil {
		return fmt.Errorf("decode stored %s: %w", c.ID, err)
	}
	return nil
}

// AfterCommit registers fn to run once the write is durable, for side effects
// that must not happen for a transaction that is rolled back.
func (c *Call) AfterCommit(fn func()) { c.effects().after = append(c.effects().after, fn) }

// NewETag returns a fresh ETag value, quoted as ARM sends it.
func NewETag() string {
	var b [16]byte
	// crypto/rand.Read never returns an error: it crashes the program
	// instead (Go 1.24 and later).
	_, _ = rand.Read(b[:])
	return `W/"` + formatUUID(b) + `"`
}

// NewUUID returns a random RFC 4122 version 4 UUID.
func NewUUID() string {
	var b [16]byte
	// crypto/rand.Read never returns an error: it crashes the program
	// instead (Go 1.24 and later).
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}

func formatUUID(b [16]byte) string {
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// StoredDoc returns the stored document with id, or nil.
func (c *Call) StoredDoc(id string) []byte {
	v, ok := c.R.Get(KeyOf(id))
	if !ok {
		return nil
	}
	return v
}

// Load unmarshals the stored document with id into v and reports whether it
// exists.
func (c *Call) Load(id string, v any) (bool, error) {
	raw := c.StoredDoc(id)
	if raw == nil {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return true, fmt.Errorf("decode stored %s: %w", id, err)
	}
	return true, nil
}

// Save marshals v and stores it as the document of id, keeping the type
// index in step. It is for resources a hook writes besides its own target
// (children, back-references, provisioned resources).
func (c *Call) Save(id string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", id, err)
	}
	return c.SaveRaw(id, raw)
}

// SaveRaw stores raw as the document of id, with the fields a client sent
// that the kind's model does not know (see passthrough.go) put back.
func (c *Call) SaveRaw(id string, raw []byte) error {
	key := KeyOf(id)
	_, existed := c.Tx.Get(key)
	// Kept fields exist only for a stored resource, or for the one this
	// call's PUT is creating: a new child skips the read.
	if existed || id == c.keptFor {
		if kept, ok := c.Tx.Get(passthroughKey(id)); ok {
			full, err := fillAbsent(raw, kept)
			if err != nil {
				return fmt.Errorf("keep the fields sent for %s: %w", id, err)
			}
			raw = full
		}
	}
	if !existed {
		c.Tx.Put(typeIndexKey(id), []byte(id))
	}
	touchTimes(c.Tx, id, !existed)
	c.Tx.Put(key, raw)
	c.effects().changed = append(c.effects().changed, id)
	return nil
}

// RestampRaw stores raw in place of the stored document of id when raw is
// that document with only its etag changed, as a child's follows its
// parent's (the network RP's subnets, routes and security rules). It skips
// what SaveRaw does for a change: raw already holds the kept fields, the
// resource's change time stays, and no watcher hears of it, since nothing a
// client sent or a controller acts on changed. It refuses an id with no
// stored document.
func (c *Call) RestampRaw(id string, raw []byte) error {
	key := KeyOf(id)
	if _, ok := c.Tx.Get(key); !ok {
		return fmt.Errorf("restamp %s: no stored document", id)
	}
	c.Tx.Put(key, raw)
	return nil
}

// Delete removes the resource id and everything under it, after the usual
// in-use check and the kind's Delete hook. outerID, when not empty, is an
// enclosing resource being deleted in the same call: references from inside
// it do not keep id in use.
func (c *Call) Delete(id, outerID string) error {
	return c.Server.deleteResource(c, id, outerID)
}

// Exists reports whether a document is stored for id.
func (c *Call) Exists(id string) bool { _, ok := c.R.Get(KeyOf(id)); return ok }

// ScanChildren calls fn with the stored documents of the direct children of
// parent whose type segment is childType (e.g. "subnets"), or, when the
// children are top-level resources of a scope, "providers/{ns}/{type}".
func (c *Call) ScanChildren(parent, childType string, fn func(raw []byte) bool) {
	scanChildren(c.R, parent, childType, fn)
}

func scanChildren(r store.Reader, parent, childType string, fn func([]byte) bool) {
	prefix := KeyOf(parent) + "/" + strings.ToLower(childType) + "/"
	r.Scan(prefix, func(k string, v []byte) bool {
		if strings.IndexByte(k[len(prefix):], '/') >= 0 {
			return true
		}
		return fn(v)
	})
}

// ScanType calls fn with every stored resource of the full type (e.g.
// "Microsoft.Network/virtualNetworks/subnets") whose id starts with the
// given id prefix (case-insensitive).
func (c *Call) ScanType(fullType, idPrefix string, fn func(id string, raw []byte) bool) {
	scanType(c.R, fullType, idPrefix, fn)
}

func scanType(r store.Reader, fullType, idPrefix string, fn func(string, []byte) bool) {
	prefix := "t/" + strings.ToLower(fullType) + "|" + strings.ToLower(idPrefix)
	r.Scan(prefix, func(_ string, v []byte) bool {
		id := string(v)
		raw, ok := r.Get(KeyOf(id))
		if !ok {
			return true
		}
		return fn(id, raw)
	})
}

// typeIndexKey is the key of id in the per-type index, which makes listing a
// type across a subscription a prefix scan.
func typeIndexKey(id string) string {
	return lowerKey("t/"+strings.ToLower(typeOfID(id))+"|", id)
}

// typeOfID derives the full type of a canonical id, e.g.
// "Microsoft.Network/virtualNetworks/subnets".
func typeOfID(id string) string {
	p, err := ParseID(id)
	if err != nil {
		return ""
	}
	if p.Namespace == "" {
		switch {
		case p.ResourceGroup != "":
			return "Microsoft.Resources/subscriptions/resourceGroups"
		case p.Subscription != "":
			return "Microsoft.Resources/subscriptions"
		}
	}
	return p.FullType()
}

// TypeOfID returns the full resource type of a canonical id.
func TypeOfID(id string) string { return typeOfID(id) }

// ScanTopLevel calls fn with the id and document of every top-level resource
// directly in scope (a resource group or subscription), of any type.
func (c *Call) ScanTopLevel(scope string, fn func(id string, raw []byte) bool) {
	prefix := KeyOf(scope) + "/providers/"
	c.R.Scan(prefix, func(k string, v []byte) bool {
		if strings.Count(k[len(prefix):], "/") != 2 {
			return true
		}
		var doc struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(v, &doc) != nil || doc.ID == "" {
			return true
		}
		return fn(doc.ID, v)
	})
}
