// Command aksnet is AKS kubenet networking on one machine: an ARM-compatible
// control plane (aksnet serve, which runs aksnetd) and an az-compatible
// command line.
package main

import (
	"os"

	"github.com/aksnet/aksnet/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
