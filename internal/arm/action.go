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
