package kubesup

import "strings"

// Version is the Kubernetes version every aksnet cluster is served: the
// k8s.io/kubernetes requirement of the kube module (kube/go.mod), which
// kube/Makefile stamps into aksnet-kube. It is the main module's one copy
// of that fact; TestVersionMatchesKubeModule fails when the two disagree.
// A cluster's kubernetesVersion and currentKubernetesVersion, the agent
// pools' orchestratorVersion and az aks get-versions all come from it.
const Version = "1.37.2"

// MinorVersion is Version's <major.minor>, the alias AKS accepts for the
// newest patch of a minor version ("1.37").
func MinorVersion() string {
	i := strings.LastIndexByte(Version, '.')
	return Version[:i]
}
