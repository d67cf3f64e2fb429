// Package archtest holds no code, only the test that keeps the house's floors
// in order: docs/architecture.md draws them, floors_test.go declares them as
// data (package pattern → floor) and fails when a package imports one on a
// higher floor, when a pure core imports anything with I/O, or when a
// package is on no floor at all.
package archtest
