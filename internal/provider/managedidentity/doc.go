// Package managedidentity is the Microsoft.ManagedIdentity provider:
// user-assigned identities, each backed by a service principal in the
// directory so it can be granted roles and found through Graph.
package managedidentity
