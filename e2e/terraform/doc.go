// Package terraform drives a real aksnetd with Terraform 1.5.7 and the
// azurerm provider, both built from the Go module proxy by install.sh into a
// cache directory: for each configuration under testdata/, init, plan,
// apply, a second plan that must be empty, a scale from 3 to 5 nodes and
// destroy, checking the nodes' IPs, pod CIDRs and routes in aksnet after
// each step; and a terraform import of a cluster the aksnet CLI created.
//
// The tests skip when the built tools are absent, unless AKSNET_TERRAFORM=1
// demands them (make terraform-e2e sets it after running install.sh).
package terraform
