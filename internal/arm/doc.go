// Package arm is aksnet's Azure Resource Manager front door: resource-id
// routing (case-insensitive on input, canonical on output), api-version
// checks, authentication and authorisation hooks, the error envelope, ETags,
// paging, references between resources and long-running operations.
//
// Resource providers register a Kind per resource type. A Kind holds the
// type's rules (naming, how a PUT body becomes the stored document, what a
// delete must check); the front door does everything that is the same for
// every type. Stored documents are the exact JSON a GET answers with, so reads
// cost one store lookup and no re-encoding.
//
// The package never imports netlink, storage engines or identity code: it
// talks to them through store.Store, Authenticator and Authorizer.
package arm
