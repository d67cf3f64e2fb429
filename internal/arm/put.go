package arm

import (
	"bytes"
	"net/http"

	"github.com/aksnet/aksnet/internal/store"
)

func (s *Server) servePut(w http.ResponseWriter, r *http.Request, c *Call, rt route) {
	if err := readPut(r, c); err != nil {
		WriteError(w, r, err)
		return
	}
	var out []byte
	created := false
	err := s.updateCall(r.Context(), c, func(tx store.Tx) error {
		parent, err := s.canonicalParent(c, rt)
		if err != nil {
			return err
		}
		c.Parent = parent
		key := Key(rt.path)
		existing, ok := tx.Get(key)
		if err := checkPreconditions(r, existing, ok); err != nil {
			return err
		}
		if ok {
			c.Existing = existing
			c.ID, _ = docID(existing)
		}
		if c.ID == "" {
			c.ID = canonicalID(c.Kind, parent, c.Name)
		}
		created = !ok
		out, err = c.Kind.Put(c)
		if err != nil {
			return err
		}
		if c.Kind.Model != nil {
			if err := keepUnknown(c); err != nil {
				return err
			}
		}
		if err := c.SaveRaw(c.ID, out); err != nil {
			return err
		}
		// out may be a stored document (an unchanged re-PUT), valid only
		// inside the transaction; the answer is written after it.
		out = bytes.Clone(out)
		if c.Kind.AfterPut != nil {
			if err := c.Kind.AfterPut(c); err != nil {
				return err
			}
		}
		if c.Kind.PutOperation && c.operationID == "" {
			return c.SucceedOperation("")
		}
		return nil
	}, true)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	if final := s.finalDoc(c.ID); final != nil {
		out = final
	}
	if out, err = c.Kind.Shape(c.apiVersion, out); err != nil {
		WriteError(w, r, err)
		return
	}
	if c.operationID != "" {
		s.setAsyncHeaders(w, r, c.Kind.ns, c.operationLocation, c.operationID, c.Parsed.Subscription)
		w.Header().Del("Location")
	} else {
		skipPollingDelay(w) // a synchronous PUT's resource is final
	}
	if c.Kind.PutOperation {
		out = withProvisioningState(out, "Updating")
	}
	writeBody(w, putStatus(c, created), out)
}

// withProvisioningState returns doc with properties.provisioningState set
// to state, for the answer of a PUT that runs as an operation; a document
// without properties gets them. A document that is not a JSON object, or
// whose properties are not an object, is returned as it is.
func withProvisioningState(doc []byte, state string) []byte {
	d, err := check(doc)
	if err != nil {
		return doc
	}
	top, ok := walk(d.s, []string{"properties"})
	if !ok {
		return doc
	}
	v := jsonString(state)
	if top.find("properties") < 0 {
		return insertMember(d.s, top, "properties", `{"provisioningState":`+v+`}`)
	}
	d, _ = d.set([]string{"properties", "provisioningState"}, v)
	return d.b
}

// readPut reads a PUT's body and name into c and checks them, before any
// store work: a kind without Put answers MethodNotAllowed.
func readPut(r *http.Request, c *Call) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	c.Body = body
	c.Name = c.Parsed.lastName()
	if c.Kind.Put == nil {
		return methodNotAllowed(r)
	}
	if c.Kind.ValidName != nil {
		if err := c.Kind.ValidName(c.Name); err != nil {
			return err
		}
	}
	return checkRequestBody(c.Kind, body)
}

// putStatus is a PUT's status: 201 for a new resource, 200 for an existing
// one, unless the kind's hook chose one (c.Status).
func putStatus(c *Call, created bool) int {
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	if c.Status != 0 {
		status = c.Status
	}
	return status
}

// finalDoc reads the committed document of id, which deferred renders may
// have refreshed after the kind's hook returned.
func (s *Server) finalDoc(id string) []byte {
	var out []byte
	_ = s.store.View(func(r store.Reader) error {
		if v, ok := r.Get(KeyOf(id)); ok {
			out = append([]byte(nil), v...)
		}
		return nil
	})
	return out
}

// docLocation reads the top-level location of a rendered document; a
// document that can't be read has none.
func docLocation(raw []byte) string {
	loc, _ := docString(raw, "location")
	return loc
}
