package arm

import (
	"bytes"
	"encoding/json"
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
		return azerr.BadRequest(code, "id", "%s %s is in use by %s and cannot be deleted.", display, LastName(target), src)
	}
	return nil
}

func shortKind(id string) string {
	t := typeOfID(id)
	return t[strings.LastIndexByte(t, '/')+1:]
}
