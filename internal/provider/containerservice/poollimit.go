package containerservice

import (
	"net/http"

	"github.com/aksnet/aksnet/internal/azerr"
)

// MaxAgentPools is AKS's limit of agent pools per cluster ("Maximum node
// pools per cluster: 100", AKS quotas and limits).
const MaxAgentPools = 100

// CodeMaxAgentPoolCountReached is AKS's code for a cluster over the limit
// (AKS resource provider error codes, package apierror:
// MaxAgentPoolCountReached).
const CodeMaxAgentPoolCountReached = "MaxAgentPoolCountReached"

// checkPoolCount refuses a cluster that would have more than MaxAgentPools
// agent pools.
func checkPoolCount(cluster string, n int, target string) error {
	if n <= MaxAgentPools {
		return nil
	}
	return azerr.New(http.StatusBadRequest, CodeMaxAgentPoolCountReached, target,
		"Cluster %s would have %d agent pools; a managed cluster can have at most %d agent pools.", cluster, n, MaxAgentPools)
}
