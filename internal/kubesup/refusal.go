package kubesup

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aksnet/aksnet/internal/pki"
)

// refusalRetry is how long a refusal of the cluster's etcd data stands
// before a connection starts aksnet-kube again to see whether the data was
// restored or removed. A variable so tests can shorten it.
var refusalRetry = 10 * time.Second

// Bounds of a refusing connection.
const (
	refusalIdle     = 30 * time.Second // per request, handshake included
	refusalRequests = 100              // requests answered on one connection
	refusalMaxBody  = 1 << 20          // request body bytes read (and dropped) before answering
)

// refusalPrefix starts aksnet-kube's error line; the refusal is what follows.
const refusalPrefix = "aksnet-kube: "

// refusalMessage is the refusal in aksnet-kube's last line of output.
func refusalMessage(line string) string {
	msg := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), refusalPrefix))
	if msg == "" {
		return "the Kubernetes control plane refuses to start on this cluster's etcd data; see " + logFile + " in the cluster's kube directory"
	}
	return msg
}

// exitCode is the exit status in a Process's Wait error (exec.ExitError
// and the tests' fakes), or -1.
func exitCode(err error) int {
	if ec, ok := errors.AsType[interface {
		error
		ExitCode() int
	}](err); ok {
		return ec.ExitCode()
	}
	return -1
}

// refuse answers connection c, as the apiserver would be answered, with
// msg: it terminates TLS with the cluster's apiserver certificate (so the
// kubeconfig's CA and server name verify) and answers every request with
// HTTP 500, as an apiserver answers what its storage fails: a Kubernetes
// Status (reason InternalError) whose message is msg, except for the
// discovery roots /api and /apis, answered with msg as text/plain. That is
// because client-go reads discovery raw and keeps none of an error's
// Status but, for a 500 with a text body, the text: so kubectl, which
// starts with discovery, prints
// `Error from server (InternalError): an error on the server ("<msg>") has prevented the request from succeeding`,
// and a client with discovery cached prints
// `Error from server (InternalError): <msg>`. A 503 would lose msg in
// discovery ("the server is currently unable to handle the request"). There
// is no Retry-After: client-go would retry on it, and nothing changes
// within seconds.
func (cl *cluster) refuse(c net.Conn, msg string) {
	pkiPath := func(name string) string { return filepath.Join(cl.dir, pkiDir, name) }
	cert, err := tls.LoadX509KeyPair(pkiPath(pki.ClusterAPIServerCert), pkiPath(pki.ClusterAPIServerKey))
	if err != nil {
		cl.s.log.Error("kube: answer a refused control plane's connection", "cluster", cl.id, "err", err)
		return
	}
	tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"}, MinVersion: tls.VersionTLS12})
	defer tc.Close()
	status := statusBody(msg)
	br := bufio.NewReader(tc)
	for range refusalRequests {
		if err := tc.SetDeadline(time.Now().Add(refusalIdle)); err != nil {
			return
		}
		req, err := http.ReadRequest(br)
		if err != nil {
			return // the client closed, or it is not speaking HTTPS
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(req.Body, refusalMaxBody))
		_ = req.Body.Close()
		ctype, body := "application/json", status
		if req.URL.Path == "/api" || req.URL.Path == "/apis" {
			ctype, body = "text/plain; charset=utf-8", []byte(msg)
		}
		resp := &http.Response{
			StatusCode: http.StatusInternalServerError, ProtoMajor: 1, ProtoMinor: 1,
			Header:        http.Header{"Content-Type": {ctype}, "Cache-Control": {"no-cache, private"}},
			ContentLength: int64(len(body)), Body: io.NopCloser(bytes.NewReader(body)), Close: req.Close,
		}
		if err := resp.Write(tc); err != nil || req.Close {
			return
		}
	}
}

// statusBody is a meta/v1 Status of a 500, as the apiserver writes it.
func statusBody(msg string) []byte {
	b, err := json.Marshal(struct {
		Kind       string   `json:"kind"`
		APIVersion string   `json:"apiVersion"`
		Metadata   struct{} `json:"metadata"`
		Status     string   `json:"status"`
		Message    string   `json:"message"`
		Reason     string   `json:"reason"`
		Code       int      `json:"code"`
	}{Kind: "Status", APIVersion: "v1", Status: "Failure", Message: msg, Reason: "InternalError", Code: http.StatusInternalServerError})
	if err != nil { // strings and ints always marshal; a Status without its message all the same
		return []byte(`{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","reason":"InternalError","code":500}`)
	}
	return b
}

// lastLine is a writer that keeps the last non-empty line written to it
// (at most lastLineMax bytes of it).
type lastLine struct {
	mu   sync.Mutex
	cur  []byte
	last string
}

const lastLineMax = 8 << 10

func (l *lastLine) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cur = append(l.cur, p...)
	for {
		i := bytes.IndexByte(l.cur, '\n')
		if i < 0 {
			break
		}
		if line := strings.TrimSpace(string(l.cur[:i])); line != "" {
			l.last = line
		}
		l.cur = l.cur[i+1:]
	}
	if len(l.cur) > lastLineMax {
		l.cur = l.cur[len(l.cur)-lastLineMax:]
	}
	return len(p), nil
}

// String is the last line; a last line without its newline counts.
func (l *lastLine) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if line := strings.TrimSpace(string(l.cur)); line != "" {
		return line
	}
	return l.last
}
