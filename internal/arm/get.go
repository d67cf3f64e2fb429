package arm

import (
	"bytes"
	"errors"
	"net/http"

	"github.com/aksnet/aksnet/internal/store"
)

func (s *Server) serveGet(w http.ResponseWriter, r *http.Request, c *Call, rt route) {
	var body []byte
	err := s.store.View(func(rd store.Reader) error {
		c.R = rd
		if c.Kind.Get != nil {
			c.Existing, _ = rd.Get(Key(rt.path))
			b, err := c.Kind.Get(c)
			if err != nil {
				return err
			}
			if b == nil {
				return s.notFound(c, rt.path)
			}
			body = bytes.Clone(b) // it may be the store's, valid only in this View
			return nil
		}
		v, ok := rd.Get(Key(rt.path))
		if !ok {
			if err := s.parentMissing(c, rd, rt); err != nil {
				return err
			}
			return s.notFound(c, rt.path)
		}
		// The network RP sends a resource's etag as the ETag header of its
		// GET, on a 304 too (RFC 9110 section 15.4.5).
		if tag := leadingETag(v); tag != "" {
			w.Header()["Etag"] = []string{tag} // canonical already: no Set

		}
		if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatches(inm, docETag(v)) {
			body = nil
			return errNotModified
		}
		body = append(make([]byte, 0, len(v)), v...)
		return nil
	})
	if errors.Is(err, errNotModified) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if err != nil {
		WriteError(w, r, err)
		return
	}
	if r.Method == http.MethodHead {
		// ARM's existence checks (az group exists) answer 204, or 404.
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if body, err = c.Kind.Shape(c.apiVersion, body); err != nil {
		WriteError(w, r, err)
		return
	}
	writeBody(w, http.StatusOK, body)
}

var errNotModified = errors.New("not modified")
