package arm

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/aksnet/aksnet/internal/store"
)

func (s *Server) servePatch(w http.ResponseWriter, r *http.Request, c *Call, rt route) {
	body, err := readBody(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	if err := checkRequestBody(c.Kind, body); err != nil {
		WriteError(w, r, err)
		return
	}
	c.Body = body
	c.Name = c.Parsed.lastName()
	var out []byte
	err = s.update(r.Context(), c, func(tx store.Tx) error {
		existing, ok, err := s.current(r, c, tx, rt)
		if err != nil {
			return err
		}
		if !ok {
			return s.notFound(c, rt.path)
		}
		c.Existing = existing
		c.ID, _ = docID(existing) // stored documents are valid JSON
		c.Parent = ParentOf(c.ID)
		patch := c.Kind.Patch
		if patch == nil {
			patch = patchTags
		}
		out, err = patch(c)
		if err != nil {
			return err
		}
		return c.SaveRaw(c.ID, out)
	})
	if err == nil {
		out, err = c.Kind.Shape(c.apiVersion, out)
	}
	if err != nil {
		WriteError(w, r, err)
		return
	}
	writeBody(w, http.StatusOK, out)
}

// patchTags is ARM's generic PATCH: only tags change.
func patchTags(c *Call) ([]byte, error) {
	var req struct {
		Tags *map[string]string `json:"tags"`
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	var doc map[string]json.RawMessage
	if err := c.DecodeExisting(&doc); err != nil {
		return nil, err
	}
	if req.Tags != nil {
		t, err := json.Marshal(*req.Tags)
		if err != nil {
			return nil, fmt.Errorf("encode tags of %s: %w", c.ID, err)
		}
		doc["tags"] = t
	}
	if _, ok := doc["etag"]; ok {
		e, err := json.Marshal(NewETag())
		if err != nil {
			return nil, fmt.Errorf("encode etag of %s: %w", c.ID, err)
		}
		doc["etag"] = e
	}
	if _, ok := doc["eTag"]; ok {
		e, err := json.Marshal(NewOpaqueETag())
		if err != nil {
			return nil, fmt.Errorf("encode eTag of %s: %w", c.ID, err)
		}
		doc["eTag"] = e
	}
	return json.Marshal(doc)
}
