package arm

import (
	"net/http"

	"github.com/aksnet/aksnet/internal/store"
)

func (s *Server) serveAction(w http.ResponseWriter, r *http.Request, c *Call, rt route) {
	body, err := readBody(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	c.Body = body
	var status int
	var result any
	err = s.store.View(func(rd store.Reader) error {
		c.R = rd
		v, ok := rd.Get(Key(rt.path))
		if !ok {
			return s.notFound(c, rt.path)
		}
		c.Existing = v
		c.ID, _ = docID(v) // stored documents are valid JSON
		status, result, err = c.Kind.Actions[rt.action](c)
		return err
	})
	if err != nil {
		WriteError(w, r, err)
		return
	}
	WriteJSON(w, r, status, result)
}

// serveOperationAction runs a kind's operation action in a write
// transaction and answers 202 with the operation's headers, or 204 when the
// hook started none.
func (s *Server) serveOperationAction(w http.ResponseWriter, r *http.Request, c *Call, rt route, hook func(*Call) error) {
	body, err := readBody(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	c.Body = body
	c.Name = c.Parsed.lastName()
	err = s.update(r.Context(), c, func(tx store.Tx) error {
		existing, ok := tx.Get(Key(rt.path))
		if !ok {
			if err := s.parentMissing(c, tx, rt); err != nil {
				return err
			}
			return s.notFound(c, rt.path)
		}
		c.Existing = existing
		c.ID, _ = docID(existing) // stored documents are valid JSON
		return hook(c)
	})
	if err != nil {
		WriteError(w, r, err)
		return
	}
	if c.operationID == "" {
		skipPollingDelay(w)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	s.setAsyncHeaders(w, r, c.Kind.ns, c.operationLocation, c.operationID, c.Parsed.Subscription)
	w.WriteHeader(http.StatusAccepted)
}
