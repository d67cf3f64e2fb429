// Command aksnetd is the aksnet server: the ARM-compatible control plane for
// AKS kubenet networking and, with --dataplane netns, the real data plane in
// Linux network namespaces. `aksnet serve` runs it.
package main

import (
	"os"

	"github.com/aksnet/aksnet/internal/daemon"
)

func main() {
	os.Exit(daemon.Main(os.Args[1:], os.Stdout, os.Stderr))
}
