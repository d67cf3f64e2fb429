// Package loopback picks the loopback ports a cluster's Kubernetes control
// plane listens on: aksnetd's port per cluster and aksnet-kube's etcd ports.
// Nothing of a cluster's control plane listens beyond 127.0.0.1.
package loopback

import (
	"fmt"
	"net"
)

// FreePort asks the kernel for a free port on 127.0.0.1. Another process
// could take it before it is used: the start that uses it then fails, and
// the caller (aksnetd's supervisor) starts the control plane again.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("loopback: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
