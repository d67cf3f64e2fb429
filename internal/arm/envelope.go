package arm

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/aksnet/aksnet/internal/azerr"
)

// envelope is ARM's error body: {"error":{code,message,target,details}}.
type envelope struct {
	Error *azerr.Error `json:"error"`
}

// WriteError answers err in ARM's envelope. An *azerr.Error keeps its status
// and code; anything else is logged and answered as a 500 InternalServerError
// without leaking its text.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	e, ok := azerr.As(err)
	if !ok {
		// The request id, not the request, goes to the log: bodies and
		// headers may carry secrets.
		slog.Error("internal error", "requestId", RequestID(w), "method", r.Method, "path", r.URL.Path, "err", err)
		e = azerr.New(http.StatusInternalServerError, "InternalServerError", "", "The server encountered an internal error. Request: %s, correlation: %s",
			RequestID(w), w.Header().Get(HeaderCorrelationRequestID))
	}
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer authorization_uri="`+externalBase(r)+`/adfs", error="invalid_token"`)
	}
	// An azerr.Error is strings and a list of azerr.Errors: it always
	// encodes.
	body, _ := json.Marshal(envelope{Error: e})
	w.Header().Set("x-ms-failure-cause", "gateway")
	writeBody(w, status, body)
}

// writeBody writes a JSON body with its content headers.
func writeBody(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// WriteJSON marshals v and answers it with status.
func WriteJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		WriteError(w, r, errors.Join(errors.New("marshal response"), err))
		return
	}
	writeBody(w, status, body)
}

// externalBase is the https origin the client used to reach us, used for
// absolute URLs in Location, Azure-AsyncOperation and nextLink.
func externalBase(r *http.Request) string {
	return "https://" + r.Host
}
