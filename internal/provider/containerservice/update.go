package containerservice

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/aksnet/aksnet/internal/kubenet"
	"github.com/aksnet/aksnet/internal/provider/network"
)

// operationInProgress is AKS's answer to a change while another runs.
func operationInProgress(st *clusterState) error {
	return azerr.New(http.StatusConflict, "OperationNotAllowed", "",
		"Operation is not allowed because there's an in progress %s operation on managed cluster %s. Please wait for it to finish before starting a new operation.",
		strings.ToLower(st.OperationKind), arm.LastName(st.ClusterID))
}

// updateCluster applies a PUT to an existing cluster: tags,
// disableLocalAccounts, and agent pool counts (scale). The network ranges, plugin and the pools' subnets are fixed
// at creation.
func (p *Provider) updateCluster(c *arm.Call, mc *armcontainerservice.ManagedCluster) ([]byte, error) {
	st, ok, err := loadState(c.R, c.ID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("cluster %s has no state", c.ID)
	}
	if st.Operation != "" {
		return nil, operationInProgress(st)
	}
	if err := checkRouteTableAssociation(c, st); err != nil {
		return nil, err
	}
	var old armcontainerservice.ManagedCluster
	if err := c.DecodeExisting(&old); err != nil {
		return nil, err
	}
	oldProf := networkProfileOf(old.Properties.NetworkProfile)
	if err := kubenet.ValidateUpdate(oldProf, networkProfileOf(mc.Properties.NetworkProfile)); err != nil {
		return nil, err
	}
	counts := map[string]int{}
	for i, ap := range mc.Properties.AgentPoolProfiles {
		if ap == nil {
			continue
		}
		t := fmt.Sprintf("properties.agentPoolProfiles[%d]", i)
		pool := st.pool(str(ap.Name))
		if pool == nil {
			return nil, azerr.BadRequest("InvalidParameter", t+".name",
				"Agent pool '%s' does not exist; add agent pools through the agentPools resource (az aks nodepool add).", str(ap.Name))
		}
		if s := str(ap.VnetSubnetID); s != "" && pool.SubnetID != "" && !strings.EqualFold(s, pool.SubnetID) {
			return nil, subnetChangeNotAllowed(pool, s, t+".vnetSubnetID")
		}
		counts[pool.Name] = i32(ap.Count, len(pool.Nodes))
	}
	if err := p.scale(c, st, counts, "properties.agentPoolProfiles"); err != nil {
		return nil, err
	}
	// Keep the stored document, taking the request's tags and, when the
	// request has it, disableLocalAccounts: az aks update
	// --disable-local-accounts and --enable-local-accounts change it on an
	// existing cluster (learn.microsoft.com/azure/aks/manage-local-accounts-managed-azure-ad),
	// and the credential actions follow it (checkLocalAccounts).
	old.Tags = mc.Tags
	if d := mc.Properties.DisableLocalAccounts; d != nil {
		old.Properties.DisableLocalAccounts = d
	}
	takeLoadBalancerSettings(old.Properties.NetworkProfile, mc.Properties.NetworkProfile)
	if err := p.commitChange(c, st); err != nil {
		return nil, err
	}
	return p.renderCluster(c, st, &old)
}

// checkRouteTableAssociation is AKS's refusal of an operation on a kubenet
// cluster whose subnet no longer has the cluster's route table: the network
// RP lets a user detach or replace a subnet's route table, but AKS then
// refuses to update, scale or add pools to the cluster with
// CustomRouteTableInvalidUpdateAttempt until the association is restored
// (the code is AKS's, not the network RP's: the subnet PUT succeeds). A
// subnet that is gone is left to the operation's own checks.
func checkRouteTableAssociation(c *arm.Call, st *clusterState) error {
	if st.RouteTableID == "" {
		return nil
	}
	for _, id := range st.SubnetIDs {
		sn, err := network.LookupSubnet(c, id, "")
		if err != nil {
			continue
		}
		if strings.EqualFold(sn.RouteTableID, st.RouteTableID) {
			continue
		}
		now := "no route table"
		if sn.RouteTableID != "" {
			now = "route table '" + sn.RouteTableID + "'"
		}
		return azerr.BadRequest("CustomRouteTableInvalidUpdateAttempt", "",
			"Updating the route table associated with the cluster's subnet is not allowed: subnet %s has %s, but managed cluster %s was created with route table '%s'. Associate '%s' with the subnet again (az network vnet subnet update --route-table) before changing the cluster.",
			sn.Name, now, arm.LastName(st.ClusterID), st.RouteTableID, st.RouteTableID)
	}
	return nil
}

// beginOperation starts the cluster's operation of kind (Creating,
// Scaling…), the one its Azure-AsyncOperation URL reports.
func beginOperation(c *arm.Call, st *clusterState, kind string) error {
	op, err := c.StartOperation(st.Location)
	if err != nil {
		return err
	}
	st.Operation, st.OperationKind, st.OperationStarted = op, kind, time.Now()
	return nil
}

// commitChange finishes a change to an existing cluster in the request's
// transaction: it starts an Updating operation unless one (a scale's)
// already runs, reconciles and stores st, and has the controller take the
// cluster on once the transaction commits.
func (p *Provider) commitChange(c *arm.Call, st *clusterState) error {
	if st.Operation == "" {
		if err := beginOperation(c, st, "Updating"); err != nil {
			return err
		}
	}
	return p.commit(c, st)
}

// commit reconciles st, stores it and, once the transaction commits, has
// the controller drive the cluster towards it.
func (p *Provider) commit(c *arm.Call, st *clusterState) error {
	if _, err := p.reconcile(c, st, time.Now(), true); err != nil {
		return err
	}
	if err := saveState(c.Tx, st); err != nil {
		return err
	}
	c.AfterCommit(func() { p.ctrl.enqueue(st.ClusterID) })
	return nil
}

// scale sets the node count of the named pools, validating the cluster's
// capacity rules for the new total first (pod CIDR, subnet, route limit).
func (p *Provider) scale(c *arm.Call, st *clusterState, counts map[string]int, target string) error {
	changed := false
	for name, n := range counts {
		if pool := st.pool(name); pool != nil && len(pool.Nodes) != n {
			changed = true
		}
	}
	if !changed {
		return nil
	}
	if st.Stopped {
		return stoppedNotAllowed(st, "scaling")
	}
	if err := p.validateCapacity(c, st, counts, target); err != nil {
		return err
	}
	for i := range st.Pools {
		pool := &st.Pools[i]
		n, ok := counts[pool.Name]
		if !ok || n == len(pool.Nodes) {
			continue
		}
		// An agent pool resource's count is properties.count; a cluster's
		// is properties.agentPoolProfiles[i].count.
		t := target + ".count"
		if target == "properties.agentPoolProfiles" {
			t = fmt.Sprintf("%s[%d].count", target, poolIndex(st, pool.Name))
		}
		if n > len(pool.Nodes) {
			if err := p.addNodes(c, st, pool, n-len(pool.Nodes), t); err != nil {
				return err
			}
		} else if err := p.removeNodes(c, st, pool, len(pool.Nodes)-n); err != nil {
			return err
		}
	}
	return beginOperation(c, st, "Scaling")
}

func poolIndex(st *clusterState, name string) int {
	for i, p := range st.Pools {
		if strings.EqualFold(p.Name, name) {
			return i
		}
	}
	return 0
}

// validateCapacity runs the kubenet capacity rules on the cluster with the
// given pool counts. The subnet check counts only addresses the new nodes
// need beyond what the cluster already holds.
func (p *Provider) validateCapacity(c *arm.Call, st *clusterState, counts map[string]int, target string) error {
	var old armcontainerservice.ManagedCluster
	if _, err := c.Load(st.ClusterID, &old); err != nil {
		return err
	}
	prof := networkProfileOf(old.Properties.NetworkProfile)
	spec := kubenet.ClusterSpec{Profile: prof, MaxRoutes: p.opts.MaxRoutesPerTable}
	for i, pool := range st.Pools {
		n, ok := counts[pool.Name]
		if !ok {
			n = len(pool.Nodes)
		}
		kp := kubenet.Pool{Name: pool.Name, Count: n, MaxPods: pool.MaxPods, Index: i}
		spec.Pools = append(spec.Pools, kp)
	}
	if info, ok := network.LookupRouteTable(c, st.RouteTableID); ok {
		for _, r := range info.Routes {
			if !kubenet.IsManagedRouteName(r.Name) {
				spec.CustomRoutes++
			}
		}
	}
	if err := kubenet.Validate(spec); err != nil {
		if e, ok := azerr.As(err); ok && strings.HasPrefix(e.Target, "properties.agentPoolProfiles") && target != "properties.agentPoolProfiles" {
			e.Target = target + e.Target[strings.Index(e.Target, "]")+1:]
		}
		return err
	}
	return nil
}

// takeLoadBalancerSettings copies into the stored network profile old the
// outbound settings an update request's profile req sets: az aks update
// --load-balancer-idle-timeout and --load-balancer-outbound-ports, and
// Terraform's idle_timeout_in_minutes and outbound_ports_allocated, change
// them on an existing cluster, and the GET must show the new values.
func takeLoadBalancerSettings(old, req *armcontainerservice.NetworkProfile) {
	if old == nil || old.LoadBalancerProfile == nil || req == nil || req.LoadBalancerProfile == nil {
		return
	}
	if v := req.LoadBalancerProfile.IdleTimeoutInMinutes; v != nil {
		old.LoadBalancerProfile.IdleTimeoutInMinutes = v
	}
	if v := req.LoadBalancerProfile.AllocatedOutboundPorts; v != nil {
		old.LoadBalancerProfile.AllocatedOutboundPorts = v
	}
}
