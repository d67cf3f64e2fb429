package containerservice

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/aksnet/aksnet/internal/kubesup"
)

// The power actions of a managed cluster (POST …/managedClusters/{name}/stop
// and …/start, ManagedClusters_Stop and ManagedClusters_Start in
// azure-rest-api-specs). ARM authorizes them as
// Microsoft.ContainerService/managedClusters/stop/action and …/start/action.
const (
	actionStop  = "stop"
	actionStart = "start"
)

// Power states, AKS's PowerState.code.
const (
	powerRunning = "Running"
	powerStopped = "Stopped"
)

// powerCode is the cluster's powerState.code.
func (st *clusterState) powerCode() string {
	if st.Stopped {
		return powerStopped
	}
	return powerRunning
}

// powerState is st's power state as AKS renders it on the cluster and on
// each of its agent pools: stopping a cluster stops every pool.
func (st *clusterState) powerState() *armcontainerservice.PowerState {
	code := armcontainerservice.CodeRunning
	if st.Stopped {
		code = armcontainerservice.CodeStopped
	}
	return &armcontainerservice.PowerState{Code: to.Ptr(code)}
}

// provisioningState is what renderCluster shows: the running operation's
// kind, Failed after a failed one, else Succeeded.
func (st *clusterState) provisioningState() string {
	switch {
	case st.Operation != "":
		return st.OperationKind
	case st.Failed:
		return "Failed"
	}
	return "Succeeded"
}

// powerNotAllowed is AKS's refusal of a power action (verb: stopping,
// starting) while another operation runs or the cluster is Failed. The
// message is AKS's ("managed cluster is in Provisioning State(Updating)
// and Power State(Running), starting cannot be performed", Microsoft's
// troubleshooting article "Cluster pending operation (OperationNotAllowed)
// errors").
func powerNotAllowed(st *clusterState, verb string) error {
	return azerr.New(http.StatusConflict, "OperationNotAllowed", "",
		"managed cluster is in Provisioning State(%s) and Power State(%s), %s cannot be performed",
		st.provisioningState(), st.powerCode(), verb)
}

// stoppedNotAllowed refuses a change (what: "scaling agent pool
// nodepool1") to a stopped cluster: AKS allows only start and delete on a
// stopped cluster (learn.microsoft.com/azure/aks/start-stop-cluster), with
// its OperationNotAllowed code in the form of its power messages.
func stoppedNotAllowed(st *clusterState, what string) error {
	return azerr.New(http.StatusConflict, "OperationNotAllowed", "",
		"managed cluster %s is in Provisioning State(%s) and Power State(%s), %s cannot be performed; start the cluster first (az aks start)",
		arm.LastName(st.ClusterID), st.provisioningState(), st.powerCode(), what)
}

// workloadOnStopped refuses a new pod or service (aksnet's workload
// kinds, which stand for Kubernetes objects) on a stopped cluster: on AKS
// creating one needs the Kubernetes API, which a stopped cluster does not
// serve.
func workloadOnStopped(info ClusterInfo, kind, name string) error {
	return azerr.New(http.StatusConflict, "OperationNotAllowed", "",
		"managed cluster %s is stopped (Power State(Stopped)): its Kubernetes API is unreachable, so %s %s cannot be created; start the cluster first (az aks start)",
		arm.LastName(info.ID), kind, name)
}

// stopCluster is POST …/stop: the cluster and its pools become Stopped,
// its Kubernetes control plane is stopped and its port closed, so kubectl
// is refused at once, as it cannot reach a stopped AKS cluster's API
// server. The operation is done inside the request; the response carries
// its headers as AKS's 202 does.
//
// ARM's node resources are left as they are: on AKS the scale sets'
// instances are deallocated but keep their NICs and addresses, and the
// route table keeps the nodes' routes (no route controller runs to remove
// them), which is what ARM shows here too. While stopped, the route
// controller leaves the table alone; start restores any managed route
// changed meanwhile. The data plane deallocates the nodes (see
// controlplane's buildDesired), and the trace refuses a stopped cluster.
func (p *Provider) stopCluster(c *arm.Call) error {
	st, err := powerState(c)
	if err != nil {
		return err
	}
	if st.Operation != "" || st.Failed {
		return powerNotAllowed(st, "stopping")
	}
	if st.Stopped {
		// AKS's answer to a second stop (the same article).
		return azerr.New(http.StatusConflict, "OperationNotAllowed", "",
			"managed cluster is not currently running, stopping cannot be performed")
	}
	st.Stopped = true
	return p.finishPower(c, st)
}

// startCluster is POST …/start: the cluster and its pools are Running
// again, the route controller restores the nodes' routes, and the control
// plane's port answers again (the process starts on the first connection,
// with the objects it had).
func (p *Provider) startCluster(c *arm.Call) error {
	st, err := powerState(c)
	if err != nil {
		return err
	}
	if st.Operation != "" || st.Failed || !st.Stopped {
		return powerNotAllowed(st, "starting")
	}
	st.Stopped = false
	return p.finishPower(c, st)
}

// powerState loads the state of the call's cluster.
func powerState(c *arm.Call) (*clusterState, error) {
	st, ok, err := loadState(c.R, c.ID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("cluster %s has no state", c.ID)
	}
	return st, nil
}

// finishPower stores st's new power state, renders the cluster, records
// the succeeded operation and, once committed, stops or starts the control
// plane before the response is written.
func (p *Provider) finishPower(c *arm.Call, st *clusterState) error {
	st.PowerSeq++
	if err := p.commit(c, st); err != nil {
		return err
	}
	if _, err := p.renderCluster(c, st, nil); err != nil {
		return err
	}
	if err := c.SucceedOperation(st.Location); err != nil {
		return err
	}
	if p.opts.Kube == nil {
		return nil
	}
	kc, ok, err := kubeClusterOf(c, st.ClusterID)
	if err != nil || !ok {
		return err
	}
	c.AfterCommit(func() { p.applyPower(kc) })
	return nil
}

// applyPower brings cluster kc's control plane to its power state.
func (p *Provider) applyPower(kc kubesup.Cluster) {
	if err := p.opts.Kube.SetPower(kc); err != nil {
		slog.Error("kube: power", "cluster", kc.ID, "stopped", kc.Stopped, "err", err)
	}
}
