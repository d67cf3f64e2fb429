// Package integration holds the data plane's end-to-end tests: an
// in-process control plane (armtest) driven through aksnet's CLI exactly as
// the kubenet article drives az.
//
// The TestIntegration… tests turn the netns data plane on and check
// traffic from inside the pods' namespaces. Each runs its own control plane
// and data plane (a namespace prefix of its own) and removes every
// namespace it made, even when it fails; they skip without root (see
// privtest.RequireRoot) and with -short. The TestAPI… tests check the pods
// and services API without a data plane and run anywhere.
package integration
