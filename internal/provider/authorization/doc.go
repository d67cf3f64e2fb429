// Package authorization is the Microsoft.Authorization provider: built-in
// and custom role definitions, role assignments at any scope, and the
// Authorizer the ARM front door asks before every request.
package authorization
