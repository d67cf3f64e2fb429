package arm

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/aksnet/aksnet/internal/store"
)

func (s *Server) serveList(w http.ResponseWriter, r *http.Request, c *Call, rt route) {
	var items [][]byte
	err := s.store.View(func(rd store.Reader) error {
		c.R = rd
		c.Parent = rt.parentPath
		if c.Kind.List != nil {
			var err error
			items, err = c.Kind.List(c)
			return err
		}
		if rt.bySub {
			scanType(rd, c.Kind.Type, SubscriptionID(c.Parsed.Subscription)+"/", func(_ string, raw []byte) bool {
				items = append(items, append([]byte(nil), raw...))
				return true
			})
			return nil
		}
		if rt.parentPath != "" && rt.parentPath != "/" {
			if _, ok := rd.Get(Key(rt.parentPath)); !ok {
				if err := s.parentMissing(c, rd, rt); err != nil {
					return err
				}
				return azerr.NotFound("ParentResourceNotFound", "id", "Can not perform requested operation on nested resource. Parent resource '%s' not found.", LastName(rt.parentPath))
			}
		}
		seg := c.Kind.types[len(c.Kind.types)-1]
		if len(c.Kind.types) == 1 && c.Kind.ns != "Microsoft.Resources" {
			seg = "providers/" + c.Kind.ns + "/" + seg
		}
		scanChildren(rd, rt.parentPath, seg, func(raw []byte) bool {
			items = append(items, append([]byte(nil), raw...))
			return true
		})
		return nil
	})
	if err == nil {
		err = c.Kind.shapeItems(c.apiVersion, items)
	}
	if err != nil {
		WriteError(w, r, err)
		return
	}
	size := s.pageSize
	if c.Kind.Top {
		top, err := parseTop(r.URL.Query().Get("$top"))
		if err != nil {
			WriteError(w, r, err)
			return
		}
		if top > 0 {
			size = min(size, top)
		}
	}
	s.writePageOf(w, r, items, size)
}

// maxTop is the largest $top ARM takes.
const maxTop = 1000

// parseTop reads a $top: 0 when absent, else an integer from 1 to 1000.
func parseTop(v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxTop {
		return 0, azerr.BadRequest("InvalidTopInQueryString", "$top", "The $top query parameter value '%s' is invalid. It must be an integer from 1 to %d.", v, maxTop)
	}
	return n, nil
}

// writePage answers one page of items as {"value":[…],"nextLink":…}.
func (s *Server) writePage(w http.ResponseWriter, r *http.Request, items [][]byte) {
	s.writePageOf(w, r, items, s.pageSize)
}

// writePageOf answers one page of at most size items.
func (s *Server) writePageOf(w http.ResponseWriter, r *http.Request, items [][]byte, size int) {
	offset := 0
	if tok := r.URL.Query().Get("$skiptoken"); tok != "" {
		b, err := base64.RawURLEncoding.DecodeString(tok)
		n, err2 := strconv.Atoi(string(b))
		if err != nil || err2 != nil || n < 0 {
			WriteError(w, r, azerr.BadRequest("InvalidSkipToken", "$skiptoken", "The skip token '%s' is not valid.", tok))
			return
		}
		offset = n
	}
	if offset > len(items) {
		offset = len(items)
	}
	end := min(offset+size, len(items))
	var buf bytes.Buffer
	buf.WriteString(`{"value":[`)
	for i, it := range items[offset:end] {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(it)
	}
	buf.WriteString("]")
	if end < len(items) {
		q := r.URL.Query()
		q.Set("$skiptoken", base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end))))
		link := externalBase(r) + r.URL.Path + "?" + q.Encode()
		// A string always encodes.
		lb, _ := json.Marshal(link)
		buf.WriteString(`,"nextLink":`)
		buf.Write(lb)
	}
	buf.WriteString("}")
	writeBody(w, http.StatusOK, buf.Bytes())
}
