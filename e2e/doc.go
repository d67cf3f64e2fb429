// Package e2e holds end-to-end tests that drive aksnet with clients it did
// not write, as whole processes: the real Azure CLI.
package e2e
