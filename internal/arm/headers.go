package arm

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
)

// Request-tracing headers. ARM answers every request, failures included,
// with its own x-ms-request-id and with x-ms-correlation-request-id, which
// echoes the client's correlation id when one was sent; it echoes
// x-ms-client-request-id too. Clients (az --debug, the SDKs) print them so
// a failure can be traced without anyone logging request bodies.
const (
	HeaderRequestID            = "x-ms-request-id"
	HeaderCorrelationRequestID = "x-ms-correlation-request-id"
	HeaderClientRequestID      = "x-ms-client-request-id"
)

// MaxEchoedIDLength bounds a client-chosen id that the server echoes in a
// response header. ARM's ids are GUIDs (36 characters); SDKs send GUIDs
// too, so 128 leaves room without letting a client inflate every answer.
const MaxEchoedIDLength = 128

// echoableID reports whether a client-sent id may be copied into a
// response header: non-empty, at most MaxEchoedIDLength bytes, and printable
// ASCII only, so no control character (CR, LF, NUL, DEL…) or byte sequence
// that a client might misread as a header boundary reaches the answer.
func echoableID(v string) bool {
	if v == "" || len(v) > MaxEchoedIDLength {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] > 0x7e {
			return false
		}
	}
	return true
}

// setRequestIDs sets the tracing headers on w unless an outer layer did.
// An id the client sent that isn't echoable is replaced by a fresh one
// (correlation) or dropped (client request id), never copied.
func setRequestIDs(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	if h.Get(HeaderRequestID) != "" {
		return
	}
	h.Set(HeaderRequestID, NewUUID())
	corr := r.Header.Get(HeaderCorrelationRequestID)
	if !echoableID(corr) {
		corr = NewUUID()
	}
	h.Set(HeaderCorrelationRequestID, corr)
	if cid := r.Header.Get(HeaderClientRequestID); echoableID(cid) {
		h.Set(HeaderClientRequestID, cid)
	}
}

// RequestID returns the x-ms-request-id the answer on w carries, for logs.
func RequestID(w http.ResponseWriter) string { return w.Header().Get(HeaderRequestID) }

// Outermost wraps the whole HTTP surface (ARM, the token endpoint, Graph,
// metadata, unknown paths) so that every answer, including early failures
// and a panic anywhere below, carries the tracing headers, and so that no
// response header value carries a control character whatever a handler
// copied into it from the request.
func Outermost(next http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w := &headerGuard{ResponseWriter: rw}
		setRequestIDs(w, r)
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if p == http.ErrAbortHandler { // net/http's sentinel: let the server abort the connection
				panic(p)
			}
			slog.Error("panic serving request", "requestId", RequestID(w), "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(p))
			if !w.wrote {
				WriteError(w, r, fmt.Errorf("panic: %v", p))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// headerGuard strips control characters from every response header value
// before the header is sent. Go's server turns CR and LF into spaces but
// lets NUL and other control characters through; ARM never sends them.
type headerGuard struct {
	http.ResponseWriter
	wrote bool
}

func (g *headerGuard) WriteHeader(code int) {
	if !g.wrote {
		g.wrote = true
		scrubHeader(g.ResponseWriter.Header())
	}
	g.ResponseWriter.WriteHeader(code)
}

func (g *headerGuard) Write(b []byte) (int, error) {
	if !g.wrote {
		g.WriteHeader(http.StatusOK)
	}
	return g.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (Flush,
// deadlines) through the guard.
func (g *headerGuard) Unwrap() http.ResponseWriter { return g.ResponseWriter }

// Flush implements http.Flusher for streaming answers.
func (g *headerGuard) Flush() {
	if !g.wrote {
		g.WriteHeader(http.StatusOK)
	}
	if f, ok := g.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// scrubHeader removes control characters (other than horizontal tab, which
// HTTP allows in a field value) from every value of h.
func scrubHeader(h http.Header) {
	for k, vs := range h {
		for i, v := range vs {
			if hasControl(v) {
				vs[i] = strings.Map(func(r rune) rune {
					if isControl(r) {
						return -1
					}
					return r
				}, v)
			}
		}
		h[k] = vs
	}
}

func isControl(r rune) bool { return (r < 0x20 && r != '\t') || r == 0x7f }

func hasControl(v string) bool {
	for i := 0; i < len(v); i++ {
		if isControl(rune(v[i])) {
			return true
		}
	}
	return false
}
