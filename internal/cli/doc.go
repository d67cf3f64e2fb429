// Package cli is the aksnet command tree: `aksnet serve` and the commands
// that mirror the Azure CLI. It is a thin layer over the control plane and
// the ARM client; every command is built as NewCommand(streams) with a flags
// struct and a RunE.
package cli
