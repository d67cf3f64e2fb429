package arm

import (
	"strings"
	"time"

	"github.com/aksnet/aksnet/internal/store"
)

// ARM keeps, beside each resource, when it was created and when it last
// changed; the generic resource list shows them on request
// ($expand=createdTime,changedTime). They are not in the stored document,
// which is what a GET answers, so they live under their own key: the
// creation and change times in RFC 3339 with nanoseconds, "|" between them.

// timesKey is the store key of id's creation and change times.
func timesKey(id string) string { return lowerKey("rt/", id) }

// touchTimes records that id was written now: a new document (created)
// starts both times, any other write moves the change time.
func touchTimes(tx store.Tx, id string, created bool) {
	now := time.Now().UTC().Format(time.RFC3339Nano)
	first := now
	if !created {
		if v, ok := tx.Get(timesKey(id)); ok {
			if c, _, found := strings.Cut(string(v), "|"); found {
				first = c
			}
		}
	}
	tx.Put(timesKey(id), []byte(first+"|"+now))
}

// ResourceTimes returns when the resource id was created and last changed,
// as RFC 3339 text; both are empty for a resource written before aksnet
// kept them.
func ResourceTimes(r store.Reader, id string) (created, changed string) {
	v, ok := r.Get(timesKey(id))
	if !ok {
		return "", ""
	}
	created, changed, _ = strings.Cut(string(v), "|")
	return created, changed
}

// Times returns when the resource id was created and last changed (see
// ResourceTimes).
func (c *Call) Times(id string) (created, changed string) { return ResourceTimes(c.R, id) }
