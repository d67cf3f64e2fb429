package arm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/aksnet/aksnet/internal/store"
)

func (s *Server) serveDelete(w http.ResponseWriter, r *http.Request, c *Call, rt route) {
	c.Name = c.Parsed.lastName()
	deleted := false
	var location string
	err := s.update(r.Context(), c, func(tx store.Tx) error {
		existing, ok, err := s.current(r, c, tx, rt)
		if err != nil || !ok {
			return err
		}
		var doc struct {
			ID       string `json:"id"`
			Location string `json:"location"`
		}
		if err := json.Unmarshal(existing, &doc); err != nil {
			return fmt.Errorf("decode stored document %s: %w", Key(rt.path), err)
		}
		// A copy: the store's bytes are valid only inside the transaction,
		// and a synchronous delete answers with them after it.
		c.ID, c.Existing, location = doc.ID, bytes.Clone(existing), doc.Location
		if err := s.deleteResource(c, c.ID, ""); err != nil {
			return err
		}
		if !c.Kind.SyncDelete {
			if err := c.putOperation(NewUUID(), location, StatusSucceeded, nil); err != nil {
				return err
			}
		}
		deleted = true
		return nil
	})
	if err != nil && c.Kind.DeleteLocationOnly && c.ID != "" {
		if blocked, ok := deletionBlocked(c.ID, RequestID(w), err); ok {
			s.failDelete(w, r, c, location, blocked)
			return
		}
	}
	if err != nil {
		WriteError(w, r, err)
		return
	}
	if !deleted {
		skipPollingDelay(w)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if c.Kind.SyncDelete {
		skipPollingDelay(w)
		writeBody(w, http.StatusOK, c.Existing)
		return
	}
	s.setAsyncHeaders(w, r, c.Kind.ns, c.operationLocation, c.operationID, c.Parsed.Subscription)
	if c.Kind.DeleteLocationOnly {
		w.Header().Del("Azure-AsyncOperation")
	}
	w.WriteHeader(http.StatusAccepted)
}

// failDelete answers a resource group delete that its transaction refused
// as ARM does: the DELETE is accepted (202, Location only) and the failure
// is the operation's result, which the Location poll answers with
// ResourceGroupDeletionBlocked. The transaction was rolled back, so the
// group and everything in it are as before, and a delete retried once the
// blocker is gone finishes the job.
func (s *Server) failDelete(w http.ResponseWriter, r *http.Request, c *Call, location string, blocked *azerr.Error) {
	err := s.update(r.Context(), c, func(store.Tx) error {
		return c.putOperation(NewUUID(), location, StatusFailed, blocked)
	})
	if err != nil {
		WriteError(w, r, err)
		return
	}
	s.setAsyncHeaders(w, r, c.Kind.ns, c.operationLocation, c.operationID, c.Parsed.Subscription)
	w.Header().Del("Azure-AsyncOperation")
	w.WriteHeader(http.StatusAccepted)
}

// deletionBlocked is ARM's report of a resource group delete that err
// refused: ResourceGroupDeletionBlocked naming the top-level resource that
// could not be deleted, with that resource's own error as the detail's
// message, as ARM writes it (MicrosoftDocs/azure-docs#52282,
// Azure/bicep-registry-modules#1607). Only a refusal of the request (400 or
// 409) is reported so; authorization and server errors answer as they are.
func deletionBlocked(groupID, trackingID string, err error) (*azerr.Error, bool) {
	e, ok := azerr.As(err)
	if !ok || (e.Status != 0 && e.Status != http.StatusBadRequest && e.Status != http.StatusConflict) {
		return nil, false
	}
	target := groupID
	var b *blockedDelete
	if errors.As(err, &b) {
		target = topLevel(b.id)
	}
	inner, merr := json.Marshal(envelope{Error: e})
	if merr != nil {
		return nil, false
	}
	ident := target
	if i := strings.Index(strings.ToLower(target), "/providers/"); i >= 0 {
		ident = target[i+len("/providers/"):]
	}
	out := azerr.Conflict("ResourceGroupDeletionBlocked", "",
		"Deletion of resource group '%s' failed as resources with identifiers '%s' could not be deleted. The provisioning state of the resource group will be rolled back. The tracking Id is '%s'. Please check audit logs for more details.",
		LastName(groupID), ident, trackingID)
	out.Details = []*azerr.Error{{Target: target, Message: string(inner)}}
	return out, true
}

// topLevel is the id of the top-level resource that id is, or is under:
// …/providers/{namespace}/{type}/{name}.
func topLevel(id string) string {
	parts := strings.Split(id, "/")
	for i, p := range parts {
		if strings.EqualFold(p, "providers") && i+3 < len(parts) {
			return strings.Join(parts[:i+4], "/")
		}
	}
	return id
}

// blockedDelete is an in-use refusal inside a delete's tree; id is the
// resource that could not be deleted.
type blockedDelete struct {
	id  string
	err *azerr.Error
}

func (b *blockedDelete) Error() string { return b.err.Error() }
func (b *blockedDelete) Unwrap() error { return b.err }

// deleteResource removes id and everything under it. References into the
// deleted tree from outside outer (or outside id itself) refuse the delete
// with the referenced kind's in-use code.
func (s *Server) deleteResource(c *Call, id, outer string) error {
	if outer == "" {
		outer = id
	}
	// An absent id leaves existing nil, which is what Call.Existing means
	// for an absent target; the found flag adds nothing.
	existing, _ := c.Tx.Get(KeyOf(id))
	existing = append([]byte(nil), existing...)
	// The kind's hook runs first: it may refuse, or cascade, and what it
	// removes (a group's cluster, and with it the node resource group whose
	// NICs use the group's subnets) no longer keeps anything in use. It all
	// happens in this transaction, so a refusal below undoes the cascade.
	if k, ok := s.reg.Lookup(typeOfID(id)); ok && k.Delete != nil {
		sub := *c
		sub.Kind, sub.ID, sub.Parent = k, id, ParentOf(id)
		sub.Existing = existing
		if err := k.Delete(&sub); err != nil {
			return err
		}
	}
	keys := subtreeKeys(c.Tx, KeyOf(id))
	ids := make([]string, 0, len(keys))
	for _, k := range keys {
		// k comes from the scan of this same transaction, so it is present.
		raw, _ := c.Tx.Get(k)
		var doc struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			return fmt.Errorf("decode stored document %s: %w", k, err)
		}
		if doc.ID == "" {
			continue
		}
		ids = append(ids, doc.ID)
		if err := s.refuseInUse(c.Tx, doc.ID, id, outer); err != nil {
			return err
		}
	}
	for _, k := range keys {
		c.Tx.Delete(k)
	}
	for _, d := range ids {
		c.Tx.Delete(typeIndexKey(d))
		c.Tx.Delete(passthroughKey(d))
		c.Tx.Delete(timesKey(d))
		setRefs(c.Tx, d)
		c.effects().changed = append(c.effects().changed, d)
	}
	if k, ok := s.reg.Lookup(typeOfID(id)); ok && k.AfterDelete != nil {
		sub := *c
		sub.Kind, sub.ID, sub.Parent, sub.Existing = k, id, ParentOf(id), existing
		if err := k.AfterDelete(&sub); err != nil {
			return err
		}
	}
	return nil
}

// subtreeKeys returns prefix itself, when stored, and the keys of the
// resources below it, in key order.
func subtreeKeys(r store.Reader, prefix string) []string {
	var keys []string
	r.Scan(prefix, func(k string, _ []byte) bool {
		if len(k) == len(prefix) || k[len(prefix)] == '/' {
			keys = append(keys, k)
		}
		return true
	})
	return keys
}

// refuseInUse answers the in-use error of target's kind when a resource
// outside outer and outside id, the root of the tree being deleted, refers
// to target.
func (s *Server) refuseInUse(r store.Reader, target, id, outer string) error {
	for _, src := range refsTo(r, target) {
		if within(src, outer) || within(src, id) {
			continue
		}
		code, display := "InUseResourceCannotBeDeleted", shortKind(target)
		if k, ok := s.reg.Lookup(typeOfID(target)); ok {
			if k.InUseCode != "" {
				code = k.InUseCode
			}
			if k.Display != "" {
				display = k.Display
			}
		}
		return &blockedDelete{id: target, err: azerr.BadRequest(code, "id", "%s %s is in use by %s and cannot be deleted.", display, LastName(target), src)}
	}
	return nil
}

func shortKind(id string) string {
	t := typeOfID(id)
	return t[strings.LastIndexByte(t, '/')+1:]
}
