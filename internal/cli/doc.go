// Package cli is the root of the aksnet command tree: Main, the global
// flags, and the list of command groups. Each group lives in its own
// package, in the manner of kind's pkg/cmd/kind/<verb>/<noun>: group,
// identity, role, ad, login, network/{vnet,nsg,routetable,nic,watcher},
// aks/{nodepool,trace,workload}, plan, azenv (az-env) and serve. A group's
// commands are built as NewCommand(streams, globals) with a flags struct
// declared through internal/cli/flags and a RunE that reads its flags,
// calls internal/cli/client, and prints through internal/cli/output;
// internal/cli/command holds what they share.
//
// The tree must not import the server (internal/controlplane, the
// providers, the data plane): Go initialises every linked package before
// main, and a CLI that links the server starts twice as slowly. A test in
// this package keeps it that way.
package cli
