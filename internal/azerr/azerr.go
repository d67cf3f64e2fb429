// Package azerr defines the error value every layer of aksnet returns when a
// request breaks an Azure rule.
//
// An *Error carries what ARM puts in its error envelope — code, message,
// target and details — plus the HTTP status the front door answers with. Domain
// packages (kubenet, fabric, rbac, providers) build them; only the ARM layer
// turns them into HTTP responses. The package is pure: it imports no HTTP or
// storage code.
package azerr

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is an Azure-shaped error. Code is Azure's own code where one exists
// (for example "ResourceNotFound"), Target names the offending field in the
// request (for example "properties.networkProfile.podCidr"), and Message names
// the offending value.
type Error struct {
	Status  int      `json:"-"`
	Code    string   `json:"code"`
	Message string   `json:"message"`
	Target  string   `json:"target,omitempty"`
	Details []*Error `json:"details,omitempty"`
}

// Error implements the error interface as "Code: Message".
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// New returns an *Error with the given HTTP status, code and target, and a
// message formatted from format and args.
func New(status int, code, target, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Target: target, Message: fmt.Sprintf(format, args...)}
}

// BadRequest returns a 400 *Error.
func BadRequest(code, target, format string, args ...any) *Error {
	return New(http.StatusBadRequest, code, target, format, args...)
}

// NotFound returns a 404 *Error.
func NotFound(code, target, format string, args ...any) *Error {
	return New(http.StatusNotFound, code, target, format, args...)
}

// Conflict returns a 409 *Error.
func Conflict(code, target, format string, args ...any) *Error {
	return New(http.StatusConflict, code, target, format, args...)
}

// Forbidden returns a 403 *Error.
func Forbidden(code, target, format string, args ...any) *Error {
	return New(http.StatusForbidden, code, target, format, args...)
}

// As reports whether err is or wraps an *Error, and returns it.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// CodeOf returns the Azure code of err, or "" when err carries none.
func CodeOf(err error) string {
	if e, ok := As(err); ok {
		return e.Code
	}
	return ""
}
