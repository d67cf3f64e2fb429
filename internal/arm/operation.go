package arm

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/aksnet/aksnet/internal/store"
)

// Operation statuses, as ARM's async-operation resource reports them.
const (
	StatusInProgress = "InProgress"
	StatusSucceeded  = "Succeeded"
	StatusFailed     = "Failed"
	StatusCanceled   = "Canceled"
)

// Operation is the status resource behind an Azure-AsyncOperation URL.
type Operation struct {
	ID        string       `json:"id"`
	Name      string       `json:"name"`
	Status    string       `json:"status"`
	StartTime time.Time    `json:"startTime"`
	EndTime   *time.Time   `json:"endTime,omitempty"`
	Error     *azerr.Error `json:"error,omitempty"`
}

// storedOperation is an Operation plus what the front door needs to answer
// its operationResults URL.
type storedOperation struct {
	Operation
	ResourceID string `json:"resourceId"`
	Method     string `json:"method"`
	Namespace  string `json:"namespace"`
	Location   string `json:"location"`
	// HTTPStatus is a failed operation's status, which its operationresults
	// poll answers with (azerr.Error does not encode it).
	HTTPStatus int `json:"httpStatus,omitempty"`
}

func opKey(name string) string { return lowerKey("o/", name) }

// StartOperation records a new in-progress operation on the call's target and
// makes the response carry its Azure-AsyncOperation and Location headers. It
// returns the operation's name, which controllers pass to FinishOperation.
func (c *Call) StartOperation(location string) (string, error) {
	name := NewUUID()
	if err := c.putOperation(name, location, StatusInProgress, nil); err != nil {
		return "", err
	}
	return name, nil
}

// SucceedOperation records an operation on the call's target that has
// already succeeded (work done inside the request's transaction, as a
// delete's), so the response still carries its headers and a poller
// finds it finished at once.
func (c *Call) SucceedOperation(location string) error {
	return c.putOperation(NewUUID(), location, StatusSucceeded, nil)
}

func (c *Call) putOperation(name, location, status string, opErr *azerr.Error) error {
	if location == "" {
		location = resourceLocation(c.R, c.ID)
	}
	ns := c.Kind.ns
	sub := c.Parsed.Subscription
	now := time.Now().UTC()
	op := storedOperation{
		Operation: Operation{
			ID:        fmt.Sprintf("/subscriptions/%s/providers/%s/locations/%s/operations/%s", sub, ns, location, name),
			Name:      name,
			Status:    status,
			StartTime: now,
			Error:     opErr,
		},
		ResourceID: c.ID,
		Method:     c.Method,
		Namespace:  ns,
		Location:   location,
	}
	if status != StatusInProgress {
		op.EndTime = &now
	}
	if opErr != nil {
		op.HTTPStatus = opErr.Status
	}
	raw, err := json.Marshal(op)
	if err != nil {
		return fmt.Errorf("encode operation %s: %w", name, err)
	}
	c.Tx.Put(opKey(name), raw)
	c.operationID, c.operationLocation = name, location
	return nil
}

// resourceLocation is the region an operation on id runs in: the location
// of id or of its nearest stored ancestor that has one, so that a subnet's
// or a route's operation URL names its VNet's or route table's region, as
// the network RP's Azure-AsyncOperation URLs do
// (…/providers/Microsoft.Network/locations/eastus/operations/…, in the
// azure-rest-api-specs and azure-cli recordings). A resource with no
// located ancestor (a subscription-level one) runs in "global".
func resourceLocation(r store.Reader, id string) string {
	for cur := id; cur != "" && cur != "/"; cur = ParentOf(cur) {
		raw, ok := r.Get(KeyOf(cur))
		if !ok {
			continue
		}
		if loc := docLocation(raw); loc != "" {
			return loc
		}
	}
	return "global"
}

// FinishOperation marks operation name as Succeeded (err nil) or Failed.
// A Failed operation's error is err's ARM form.
func FinishOperation(tx store.Tx, name string, err error) error {
	return endOperation(tx, name, func(op *storedOperation) {
		op.Status = StatusSucceeded
		if err != nil {
			op.Status = StatusFailed
			e, ok := azerr.As(err)
			if !ok {
				e = azerr.New(http.StatusInternalServerError, "InternalOperationError", "", "%s", err.Error())
			}
			op.Error = e
		}
	})
}

// FinishOperationStatus ends operation name with status (for example
// Canceled) and no error.
func FinishOperationStatus(tx store.Tx, name, status string) error {
	return endOperation(tx, name, func(op *storedOperation) { op.Status = status })
}

// endOperation stamps operation name's end time now, lets set fill in its
// outcome and stores it again.
func endOperation(tx store.Tx, name string, set func(op *storedOperation)) error {
	raw, ok := tx.Get(opKey(name))
	if !ok {
		return fmt.Errorf("operation %s not found", name)
	}
	var op storedOperation
	if err := json.Unmarshal(raw, &op); err != nil {
		return fmt.Errorf("decode operation %s: %w", name, err)
	}
	now := time.Now().UTC()
	op.EndTime = &now
	set(&op)
	out, err := json.Marshal(op)
	if err != nil {
		return fmt.Errorf("encode operation %s: %w", name, err)
	}
	tx.Put(opKey(name), out)
	return nil
}

// OperationStatus returns the status of operation name.
func OperationStatus(r store.Reader, name string) (Operation, bool) {
	raw, ok := r.Get(opKey(name))
	if !ok {
		return Operation{}, false
	}
	var op storedOperation
	if json.Unmarshal(raw, &op) != nil {
		return Operation{}, false
	}
	return op.Operation, true
}

// serveOperation answers GET …/locations/{loc}/operations/{name} and
// …/operationresults/{name}.
//
// As in ARM, polling is an authorized read: the caller (already
// authenticated, so no token is a 401) must poll through the subscription
// the operation belongs to, and needs read access to the resource the
// operation is about, else 403 AuthorizationFailed. An operation of another
// subscription or namespace is not found.
func (s *Server) serveOperation(w http.ResponseWriter, r *http.Request, p ResourceID, caller *Caller) {
	if r.Method != http.MethodGet {
		WriteError(w, r, azerr.New(http.StatusMethodNotAllowed, "MethodNotAllowed", "", "The method '%s' is not allowed on an operation.", r.Method))
		return
	}
	if err := s.requireSubscription(p.Subscription); err != nil {
		WriteError(w, r, err)
		return
	}
	name := p.Names[len(p.Names)-1]
	op, found := s.loadOperation(name)
	if !found || !strings.EqualFold(op.Namespace, p.Namespace) || !strings.EqualFold(op.subscription(), p.Subscription) {
		WriteError(w, r, azerr.NotFound("OperationNotFound", "", "The operation '%s' could not be found.", name))
		return
	}
	action, scope := op.readAction()
	if err := s.authz.Authorize(caller, action, scope); err != nil {
		WriteError(w, r, err)
		return
	}
	results := strings.EqualFold(p.Types[len(p.Types)-1], "operationresults")
	if op.Status == StatusInProgress {
		s.setRetryAfter(w, op.Name)
		if results {
			s.setAsyncHeaders(w, r, op.Namespace, op.Location, op.Name, p.Subscription)
			w.WriteHeader(http.StatusAccepted)
			return
		}
	}
	if !results {
		WriteJSON(w, r, http.StatusOK, op.Operation)
		return
	}
	s.writeOperationResult(w, r, op)
}

// loadOperation reads the operation called name; found is false when it
// is absent or unreadable.
func (s *Server) loadOperation(name string) (op storedOperation, found bool) {
	_ = s.store.View(func(rd store.Reader) error {
		raw, ok := rd.Get(opKey(name))
		if ok && json.Unmarshal(raw, &op) == nil {
			found = true
			if op.Error != nil {
				op.Error.Status = op.HTTPStatus
			}
		}
		return nil
	})
	return op, found
}

// writeOperationResult answers the operationresults poll of a finished
// operation: its error, 204 for a delete or a resource gone since, else the
// resource as stored now.
func (s *Server) writeOperationResult(w http.ResponseWriter, r *http.Request, op storedOperation) {
	switch {
	case op.Status == StatusFailed && op.Error != nil:
		WriteError(w, r, op.Error)
	case op.Method == http.MethodDelete, op.Method == http.MethodPost:
		// A delete leaves nothing, and an operation action (stop, start)
		// has no response body.
		w.WriteHeader(http.StatusNoContent)
	default:
		var raw []byte
		_ = s.store.View(func(rd store.Reader) error {
			if v, ok := rd.Get(KeyOf(op.ResourceID)); ok {
				raw = append([]byte(nil), v...)
			}
			return nil
		})
		if raw == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if k, ok := s.reg.Lookup(typeOfID(op.ResourceID)); ok {
			var err error
			if raw, err = k.Shape(r.URL.Query().Get("api-version"), raw); err != nil {
				WriteError(w, r, err)
				return
			}
		}
		writeBody(w, http.StatusOK, raw)
	}
}

// subscription is the subscription the operation belongs to.
func (op *storedOperation) subscription() string {
	for _, id := range []string{op.ResourceID, op.ID} {
		if p, err := ParseID(id); err == nil && p.Subscription != "" {
			return p.Subscription
		}
	}
	return ""
}

// readAction is what a poller needs: read on the operation's resource, or,
// for a record without one, read on the provider's operations at the
// subscription.
func (op *storedOperation) readAction() (action, scope string) {
	if t := typeOfID(op.ResourceID); op.ResourceID != "" && t != "" {
		return t + "/read", op.ResourceID
	}
	return op.Namespace + "/locations/operations/read", SubscriptionID(op.subscription())
}

func (s *Server) setAsyncHeaders(w http.ResponseWriter, r *http.Request, ns, location, name, sub string) {
	if location == "" {
		location = "global" // as resourceLocation falls back
	}
	v := r.URL.Query().Get("api-version")
	base := externalBase(r)
	prefix := fmt.Sprintf("%s/subscriptions/%s/providers/%s/locations/%s", base, sub, ns, location)
	w.Header().Set("Azure-AsyncOperation", prefix+"/operations/"+name+"?api-version="+v)
	w.Header().Set("Location", prefix+"/operationresults/"+name+"?api-version="+v)
	s.setRetryAfter(w, name)
}

// SkipPollingDelayHeader is go-azure-sdk's hint that its poller need not
// wait before polling (hashicorp/go-azure-sdk sdk/client/client.go,
// SkipPollingDelayHeader): its LRO, provisioningState and delete pollers
// (sdk/client/resourcemanager/poller_*.go) read it on the response that
// starts them, and pollers.Poller.skipPollingDelay on every poll. Without
// it, Terraform's azurerm waits the Retry-After seconds (at least 1 here)
// before an LRO's first poll, and 10 s (DefaultPollingInterval) before the
// first poll of a PUT answered 200/201 without Azure-AsyncOperation or of
// any DELETE, even when the work is done. aksnet sends it only when nothing
// is left to wait for, so a poller never spins while work runs.
const SkipPollingDelayHeader = "X-Go-Azure-Sdk-Skip-Polling-Delay"

// skipPollingDelay marks a response whose work has ended (see
// SkipPollingDelayHeader).
func skipPollingDelay(w http.ResponseWriter) {
	w.Header().Set(SkipPollingDelayHeader, "true")
}

// setRetryAfter tells pollers when to come back. Python's azure-core (az)
// reads Retry-After first and needs it to be at least 1: without it, or at
// 0, it waits its 30 s default. The Go SDK reads retry-after-ms first, so it
// gets a short delay: 1 ms when the operation has already ended (a delete,
// or a create that finished inside its PUT), 50 ms while it runs. An ended
// operation also skips go-azure-sdk's delay (SkipPollingDelayHeader).
func (s *Server) setRetryAfter(w http.ResponseWriter, opName string) {
	w.Header().Set("Retry-After", "1")
	ms := "50"
	var done bool
	_ = s.store.View(func(rd store.Reader) error {
		op, ok := OperationStatus(rd, opName)
		done = ok && op.Status != StatusInProgress
		return nil
	})
	if done {
		ms = "1"
		skipPollingDelay(w)
	}
	w.Header().Set("retry-after-ms", ms)
}

// PruneOperations deletes finished operations that ended more than maxAge
// ago, so operation records don't pile up in the store. Azure keeps an
// operation's status for a while after it ends; clients poll within seconds.
func (s *Server) PruneOperations(ctx context.Context, maxAge time.Duration) (int, error) {
	cutoff := time.Now().Add(-maxAge)
	var stale []string
	_ = s.store.View(func(r store.Reader) error {
		r.Scan("o/", func(k string, v []byte) bool {
			var op storedOperation
			if json.Unmarshal(v, &op) == nil && op.EndTime != nil && op.EndTime.Before(cutoff) {
				stale = append(stale, k)
			}
			return true
		})
		return nil
	})
	if len(stale) == 0 {
		return 0, nil
	}
	err := s.store.Update(ctx, func(tx store.Tx) error {
		for _, k := range stale {
			tx.Delete(k)
		}
		return nil
	})
	return len(stale), err
}

// RunJanitor prunes finished operations older than maxAge every interval
// until ctx ends.
func (s *Server) RunJanitor(ctx context.Context, interval, maxAge time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.PruneOperations(ctx, maxAge); err != nil && ctx.Err() == nil {
				slog.Warn("prune operations", "err", err)
			}
		}
	}
}
