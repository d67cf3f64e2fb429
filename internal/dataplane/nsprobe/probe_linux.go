//go:build linux

package nsprobe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/vishvananda/netns"
)

// hostNS is the namespace the process runs in, opened once. Only a thread
// known to be in it may call this first: every unlocked thread is, since
// Enter moves threads only while they are locked and moves them back before
// unlocking them.
var hostNS = sync.OnceValues(func() (netns.NsHandle, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return netns.Get()
})

// Enter runs fn on a locked OS thread inside the namespace fd and switches
// the thread back before releasing it. If switching back fails the thread
// is left locked and dies with its goroutine, so no goroutine ever runs in
// a namespace it did not ask for.
func Enter(fd netns.NsHandle, fn func() error) error {
	orig, err := hostNS()
	if err != nil {
		return fmt.Errorf("current namespace: %w", err)
	}
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := netns.Set(fd); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("setns: %w", err)
			return
		}
		ferr := fn()
		if err := netns.Set(orig); err != nil {
			errc <- errors.Join(ferr, fmt.Errorf("setns back: %w", err))
			return // thread stays locked and is destroyed
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

// Open opens the namespace bound at path (a file in NetnsDir, or
// /proc/PID/ns/net).
func Open(path string) (netns.NsHandle, error) {
	fd, err := netns.GetFromPath(path)
	if err != nil {
		return fd, fmt.Errorf("open namespace %s: %w", path, err)
	}
	return fd, nil
}

// In opens the namespace bound at netnsPath and runs fn inside it (see
// Enter), returning what fn returns. Sockets fn opens keep their namespace
// and work from any goroutine afterwards.
func In[T any](netnsPath string, fn func() (T, error)) (T, error) {
	var out T
	fd, err := Open(netnsPath)
	if err != nil {
		return out, err
	}
	defer fd.Close()
	err = Enter(fd, func() error {
		var ferr error
		out, ferr = fn()
		return ferr
	})
	return out, err
}

// DialIn connects to addr from inside the namespace bound at netnsPath; once
// connected the socket can be used from any goroutine.
func DialIn(ctx context.Context, netnsPath, network, addr string) (net.Conn, error) {
	return In(netnsPath, func() (net.Conn, error) {
		d := net.Dialer{Timeout: 2 * time.Second}
		return d.DialContext(ctx, network, addr)
	})
}

// Echo asks the HTTP echo at addr (host:port) who it is and who it sees,
// dialling from inside namespace netnsPath: what a user does with curl from
// a pod.
func Echo(ctx context.Context, netnsPath string, addr string) (EchoReply, error) {
	var reply EchoReply
	conn, err := DialIn(ctx, netnsPath, "tcp4", addr)
	if err != nil {
		return reply, err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	host, _, _ := net.SplitHostPort(addr)
	if _, err := fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", host); err != nil {
		return reply, err
	}
	body, err := io.ReadAll(conn)
	if err != nil {
		return reply, err
	}
	_, payload, ok := strings.Cut(string(body), "\r\n\r\n")
	if !ok {
		return reply, fmt.Errorf("echo %s: malformed reply %q", addr, body)
	}
	if err := json.Unmarshal([]byte(payload), &reply); err != nil {
		return reply, fmt.Errorf("echo %s: %w (reply %q)", addr, err, payload)
	}
	return reply, nil
}

// LookupIn asks the DNS server at server (ip:53) for the A records of name,
// from inside the namespace bound at netnsPath, with Go's own resolver: no
// search domains (the name is made absolute), no /etc/resolv.conf servers.
// A name the server doesn't know is an error ending in "no such host".
func LookupIn(ctx context.Context, netnsPath, server, name string) ([]netip.Addr, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
	}
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		// The resolver names the server of /etc/resolv.conf; ask server.
		return DialIn(ctx, netnsPath, network+"4", server)
	}}
	if !strings.HasSuffix(name, ".") {
		name += "."
	}
	addrs, err := r.LookupNetIP(ctx, "ip4", name)
	if err != nil {
		var de *net.DNSError
		if errors.As(err, &de) {
			// Say which server answered, not the one resolv.conf names.
			de.Server = server
		}
		return nil, fmt.Errorf("dns %s: %w", strings.TrimSuffix(name, "."), err)
	}
	for i, a := range addrs {
		addrs[i] = a.Unmap()
	}
	return addrs, nil
}
