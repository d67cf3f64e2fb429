// Package cli is the aksnet command tree: the commands that mirror the Azure
// CLI, plan, trace and az-env, plus `aksnet serve`, which runs aksnetd. Every
// command is built as newXCommand(streams, globalFlags) with a flags struct
// and a RunE, and talks to the server over HTTPS like any other ARM client.
//
// The package must not import the server (internal/controlplane, the
// providers, the data plane): Go initialises every linked package before
// main, and a CLI that links the server starts twice as slowly. A test in
// this package keeps it that way.
package cli
