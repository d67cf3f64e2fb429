package arm

import (
	"strings"
)

// Placement says where instances of a kind live.
type Placement int

const (
	// InResourceGroup is the default: /subscriptions/{s}/resourceGroups/{rg}/providers/….
	InResourceGroup Placement = iota
	// Extension resources live under any scope: {scope}/providers/{ns}/{type}/{name}.
	Extension
)

// Kind is one ARM resource type and its rules. Nil hooks take the front
// door's generic behaviour.
type Kind struct {
	// Type is the canonical type, e.g. "Microsoft.Network/virtualNetworks/subnets".
	Type string
	// Placement says where instances live.
	Placement Placement
	// ValidName checks a name against Azure's rules for the type.
	ValidName func(name string) error
	// Put turns the request body into the document to store. It runs inside
	// the write transaction; c.Existing is the stored document or nil. It must
	// return the full JSON document (id, name, type, etag, properties…).
	Put func(c *Call) ([]byte, error)
	// AfterPut runs in the same transaction once the document returned by Put
	// is stored, to re-render parents and back-references.
	AfterPut func(c *Call) error
	// AfterDelete runs in the same transaction once the document, its
	// descendants and their references are gone.
	AfterDelete func(c *Call) error
	// Patch updates a stored document; nil means ARM's generic tags patch.
	Patch func(c *Call) ([]byte, error)
	// Delete runs before the document and its descendants are removed: it may
	// refuse, or cascade to other resources. Nil means nothing extra.
	Delete func(c *Call) error
	// Get answers a read; nil reads the stored document.
	Get func(c *Call) ([]byte, error)
	// List answers a collection read; nil scans the stored documents.
	List func(c *Call) ([][]byte, error)
	// Actions are POST operations on an instance, keyed by lowercased name.
	// They read: the hook runs in a read-only view and its result is the
	// answer.
	Actions map[string]func(c *Call) (int, any, error)
	// OperationActions are POST operations that change the instance as a
	// long-running operation (AKS's stop and start), keyed by lowercased
	// name. The hook runs in a write transaction with c.ID and c.Existing
	// set; when it starts an operation (Call.StartOperation or
	// Call.SucceedOperation) the answer is 202 Accepted with the
	// operation's Azure-AsyncOperation and Location headers, else 204 No
	// Content. The operation's result (its Location) is 204 No Content once
	// it succeeds: the actions have no response body.
	OperationActions map[string]func(c *Call) error
	// Display names the type in messages ("Route table"); the last type
	// segment when empty.
	Display string
	// InUseCode is the error code when a delete finds another resource
	// referring to this one, e.g. "InUseSubnetCannotBeDeleted".
	InUseCode string
	// NotFoundCode overrides "ResourceNotFound" for this type (the network RP
	// answers child lookups with "NotFound").
	NotFoundCode string
	// ListBySubscription allows GET /subscriptions/{s}/providers/{ns}/{type}.
	ListBySubscription bool
	// SyncDelete answers a DELETE at once with 200 and the deleted document,
	// as the authorization provider does, instead of 202 and an operation.
	SyncDelete bool
	// DeleteLocationOnly answers a DELETE's 202 with a Location header and
	// no Azure-AsyncOperation, as ARM does for a resource group.
	DeleteLocationOnly bool
	// PutOperation makes every PUT a long-running operation as the network
	// RP runs its PUTs (swagger: x-ms-long-running-operation with
	// final-state-via azure-async-operation): the answer (201 or 200)
	// carries Azure-AsyncOperation and no Location, and its body shows
	// properties.provisioningState "Updating", as the network RP's answers
	// do. The work is done inside the request's transaction, so the
	// operation has already succeeded: a poller finds it Succeeded at once
	// and its final GET of the resource shows Succeeded.
	PutOperation bool
	// Tracked kinds carry location and tags (top-level resources).
	Tracked bool
	// Top makes the kind's list honour $top: at most that many items per
	// page (1 to 1000), each page with a nextLink to the rest, as ARM's
	// generic resource and resource group lists do
	// (Azure/azure-sdk-for-python#541; above 1000, InvalidTopInQueryString,
	// Azure/azure-sdk-for-js#18535).
	Top bool
	// Model is a zero value of the SDK model a PUT body decodes into (say
	// armnetwork.VirtualNetwork{}). When set, the body's properties that the
	// model does not know are kept and served (see passthrough.go).
	Model any
	// APIVersions are the api-versions the type is served at, oldest
	// first; nil means its namespace's (NamespaceVersions). The providers
	// API lists them and a request with another version is refused
	// (checkTypeVersion).
	APIVersions []string
	// VersionedFields are the members of the kind's documents that only
	// some api-versions have; every answer carrying a document (GET, LIST,
	// PUT, PATCH, an operation's result) leaves out those its api-version
	// lacks (see versioned.go).
	VersionedFields []VersionedField

	ns    string
	types []string
	known knownPaths // Model's key paths seen, see passthrough.go
}

// Namespace returns the kind's resource provider namespace.
func (k *Kind) Namespace() string { return k.ns }

// ShortType returns the type without its namespace, e.g. "virtualNetworks/subnets".
func (k *Kind) ShortType() string { return strings.Join(k.types, "/") }

// Registry maps type names, case-insensitively, to kinds.
type Registry struct {
	kinds      map[string]*Kind
	namespaces map[string]string        // lower → canonical
	locReads   map[string]*LocationRead // lower "ns/type" → read (locationread.go)
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{kinds: map[string]*Kind{}, namespaces: map[string]string{}}
}

// Register adds k. It panics on a duplicate type: that is a wiring bug.
func (g *Registry) Register(k *Kind) {
	parts := strings.Split(k.Type, "/")
	k.ns, k.types = parts[0], parts[1:]
	key := strings.ToLower(k.Type)
	if _, dup := g.kinds[key]; dup {
		panic("arm: kind registered twice: " + k.Type)
	}
	g.kinds[key] = k
	g.namespaces[strings.ToLower(k.ns)] = k.ns
}

// Lookup finds the kind for a full type, case-insensitively.
func (g *Registry) Lookup(fullType string) (*Kind, bool) {
	k, ok := g.kinds[strings.ToLower(fullType)]
	return k, ok
}

// HasNamespace reports whether any kind is registered in ns.
func (g *Registry) HasNamespace(ns string) bool {
	_, ok := g.namespaces[strings.ToLower(ns)]
	return ok
}

// Kinds returns every registered kind.
func (g *Registry) Kinds() []*Kind {
	out := make([]*Kind, 0, len(g.kinds))
	for _, k := range g.kinds {
		out = append(out, k)
	}
	return out
}
