package controlplane

import (
	"bytes"
	"net"
)

// lenientListener wraps each accepted (TLS) connection in a lenientConn.
type lenientListener struct{ net.Listener }

func (l lenientListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &lenientConn{Conn: c}, nil
}

// lenientConn percent-encodes the spaces of a request target sent raw. The
// Azure SDK for Go sends some OData filters unencoded (armauthorization's
// role assignment lists: "?$filter=principalId eq '…'"); Azure accepts them,
// while Go's HTTP server refuses the request line as malformed. Only a read
// that starts with such a line — one Go would refuse — is changed.
type lenientConn struct {
	net.Conn
	extra []byte // rewritten bytes not yet returned
	err   error  // read error to return once extra is drained
}

func (c *lenientConn) Read(p []byte) (int, error) {
	if len(c.extra) > 0 {
		n := copy(p, c.extra)
		c.extra = c.extra[n:]
		if len(c.extra) == 0 && c.err != nil {
			return n, c.err
		}
		return n, nil
	}
	n, err := c.Conn.Read(p)
	if n == 0 {
		return n, err
	}
	fixed, ok := encodeTargetSpaces(p[:n])
	if !ok {
		return n, err
	}
	k := copy(p, fixed)
	if k < len(fixed) {
		c.extra, c.err = fixed[k:], err
		return k, nil
	}
	return k, err
}

// encodeTargetSpaces returns b with the spaces of its request target written
// as %20, when b starts with a complete HTTP/1.x request line whose target
// holds spaces.
func encodeTargetSpaces(b []byte) ([]byte, bool) {
	if len(b) == 0 || b[0] < 'A' || b[0] > 'Z' {
		return nil, false
	}
	eol := bytes.IndexByte(b, '\n')
	if eol < 0 {
		return nil, false
	}
	line := bytes.TrimSuffix(b[:eol], []byte("\r"))
	first, last := bytes.IndexByte(line, ' '), bytes.LastIndexByte(line, ' ')
	if first <= 0 || last <= first || !bytes.HasPrefix(line[last+1:], []byte("HTTP/1.")) {
		return nil, false
	}
	for _, m := range line[:first] {
		if m < 'A' || m > 'Z' {
			return nil, false
		}
	}
	target := line[first+1 : last]
	if len(target) == 0 || target[0] != '/' || bytes.IndexByte(target, ' ') < 0 {
		return nil, false
	}
	out := make([]byte, 0, len(b)+2*bytes.Count(target, []byte(" ")))
	out = append(out, line[:first+1]...)
	out = append(out, bytes.ReplaceAll(target, []byte(" "), []byte("%20"))...)
	out = append(out, b[last:]...)
	return out, true
}
