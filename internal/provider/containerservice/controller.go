package containerservice

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/kubenet"
	"github.com/aksnet/aksnet/internal/kubesup"
	"github.com/aksnet/aksnet/internal/provider/authorization"
	"github.com/aksnet/aksnet/internal/provider/network"
	"github.com/aksnet/aksnet/internal/store"
)

// reconcile converges cluster st inside the write transaction c: it waits
// for the cluster identity's permissions, keeps one route per node in the
// cluster's route table (restoring edited or deleted managed routes,
// removing those of deleted nodes, never touching custom routes), and ends
// the operation in flight once every node has its route. It reports whether
// st changed; the caller saves it. Outside an operation, routes are
// restored only when routes is set (the route controller's periodic pass,
// or the fast mode) or when the identity's permissions have just arrived,
// so that a route deleted by a user stays deleted until the next period.
func (p *Provider) reconcile(c *arm.Call, st *clusterState, now time.Time, routes bool) (bool, error) {
	if st.Stopped {
		// A stopped AKS cluster runs no route controller: its table keeps
		// whatever it has until start. A change it accepts (tags) has
		// nothing to wait for.
		if st.Operation == "" {
			return false, nil
		}
		if err := arm.FinishOperation(c.Tx, st.Operation, nil); err != nil {
			return false, err
		}
		st.Operation, st.OperationKind, st.Failed = "", "", false
		return true, nil
	}
	hadPermissions := st.PermissionsOK
	proceed, changed, err := p.awaitPermissions(c, st, now)
	if !proceed || err != nil {
		return changed, err
	}
	if !routes && st.Operation == "" && hadPermissions {
		return changed, nil
	}
	done, routesChanged, err := p.reconcileRoutes(c, st)
	if err != nil {
		return changed, err
	}
	if st.Operation != "" && done && p.operationDue(st, now) {
		if err := arm.FinishOperation(c.Tx, st.Operation, nil); err != nil {
			return changed, err
		}
		st.Operation, st.OperationKind, st.Failed = "", "", false
		changed = true
	}
	return changed || routesChanged, nil
}

// awaitPermissions is reconcile's first step: until the cluster identity
// holds the subnet actions on every subnet (for PropagationDelay past when
// it was first seen to), no route is written. Only a system-assigned
// identity on a subnet of the user's waits here (a user-assigned one must
// hold its role before the create). Its principal exists only once the
// create is accepted, so the role comes after (the Azure CLI grants it once
// the create has finished, Terraform from identity.principalId): as on AKS,
// the operation in flight completes without it, and the nodes stay
// NetworkUnavailable (desiredNodes' NoRoute) until the role arrives.
// proceed reports that the permissions hold; changed that st changed.
func (p *Provider) awaitPermissions(c *arm.Call, st *clusterState, now time.Time) (proceed, changed bool, err error) {
	if st.PermissionsOK {
		return true, false, nil
	}
	ok := true
	for _, sn := range st.SubnetIDs {
		if !authorization.HasPermissions(c.R, st.PrincipalID, sn, subnetActions...) {
			ok = false
		}
	}
	if ok && p.opts.PropagationDelay > 0 {
		if st.PermissionSeen.IsZero() {
			st.PermissionSeen, changed = now, true
		}
		ok = !now.Before(st.PermissionSeen.Add(p.opts.PropagationDelay))
	}
	switch {
	case ok:
		st.PermissionsOK = true
		return true, true, nil
	case st.Operation != "" && p.operationDue(st, now):
		if err := arm.FinishOperation(c.Tx, st.Operation, nil); err != nil {
			return false, changed, err
		}
		st.Operation, st.OperationKind, st.Failed = "", "", false
		return false, true, nil
	default:
		return false, changed, nil
	}
}

// RoleAssigned reconciles, in the role assignment's own transaction, the
// clusters whose identity principalID waits for its permissions: a
// system-assigned cluster's routes are written when `az aks create` (or
// Terraform) grants the role, before the grant's answer, not on the
// controller's next pass. Wire it with authorization.OnAssignment.
func (p *Provider) RoleAssigned(c *arm.Call, principalID string) error {
	var waiting []*clusterState
	c.R.Scan("cs/", func(key string, raw []byte) bool {
		// Only states naming the principal are decoded. One that does not
		// decode is another cluster's damage, reported when that cluster is
		// read: it must not fail an unrelated role assignment.
		if !strings.Contains(strings.ToLower(string(raw)), strings.ToLower(principalID)) {
			return true
		}
		var st clusterState
		if err := json.Unmarshal(raw, &st); err != nil {
			slog.Warn("containerservice: skip a cluster state that does not decode", "key", key, "err", err)
			return true
		}
		if !st.PermissionsOK && !st.Stopped && strings.EqualFold(st.PrincipalID, principalID) {
			waiting = append(waiting, &st)
		}
		return true
	})
	for _, st := range waiting {
		changed, err := p.reconcile(c, st, time.Now(), true)
		if err != nil || !changed {
			if err != nil {
				return err
			}
			continue
		}
		if err := saveState(c.Tx, st); err != nil {
			return err
		}
		if _, err := p.renderCluster(c, st, nil); err != nil {
			return err
		}
	}
	return nil
}

// operationDue reports whether st's operation has been in flight for
// Options.ProvisioningDelay, so it may end.
//
// An operation is due once ProvisioningDelay has passed and the cluster's
// Kubernetes API exists (kubesup's Provisioned: its PKI and port, which
// the kube sync provisions after the create commits), so that Succeeded
// means get-credentials and kubectl work, as on AKS.
func (p *Provider) operationDue(st *clusterState, now time.Time) bool {
	if now.Before(st.OperationStarted.Add(p.opts.ProvisioningDelay)) {
		return false
	}
	// The delay first: Provisioned reads the file system.
	return p.opts.Kube == nil || p.opts.Kube.Provisioned(st.ClusterID, arm.LastName(st.ClusterID))
}

// desiredRoutes lists the route each node needs.
func desiredRoutes(st *clusterState) []kubenet.NodeRoute {
	var out []kubenet.NodeRoute
	for _, pool := range st.Pools {
		for _, n := range pool.Nodes {
			out = append(out, kubenet.NodeRoute{Node: n.Name, PodCIDR: n.PodCIDR, NodeIP: n.IP})
		}
	}
	return out
}

// reconcileRoutes applies kubenet.Reconcile to the cluster's route table.
// It reports whether every node now has its route, and whether it wrote.
func (p *Provider) reconcileRoutes(c *arm.Call, st *clusterState) (done, wrote bool, err error) {
	info, ok := network.LookupRouteTable(c, st.RouteTableID)
	if !ok {
		// The table is gone (deleted with its group); nothing to route.
		return false, false, nil
	}
	observed := make([]kubenet.Route, 0, len(info.Routes))
	for _, r := range info.Routes {
		observed = append(observed, kubenet.Route{Name: r.Name, AddressPrefix: r.AddressPrefix, NextHopType: r.NextHopType, NextHopIP: r.NextHopIP})
	}
	add, remove := kubenet.Reconcile(desiredRoutes(st), observed, st.PodCIDR)
	for _, r := range add {
		if err := network.SaveRoute(c, st.RouteTableID, network.RouteSpec{Name: r.Name, AddressPrefix: r.AddressPrefix, NextHopType: r.NextHopType, NextHopIP: r.NextHopIP}); err != nil {
			return false, false, err
		}
	}
	for _, name := range remove {
		if err := network.DeleteRoute(c, st.RouteTableID, name); err != nil {
			return false, false, err
		}
	}
	wrote = len(add)+len(remove) > 0
	if wrote {
		if err := network.RenderRouteTable(c, st.RouteTableID); err != nil {
			return false, false, err
		}
	}
	return true, wrote, nil
}

// removeRoutes deletes the cluster's managed routes from its route table.
func (p *Provider) removeRoutes(c *arm.Call, st *clusterState) error {
	info, ok := network.LookupRouteTable(c, st.RouteTableID)
	if !ok {
		return nil
	}
	for _, r := range info.Routes {
		if kubenet.BelongsToCluster(r.Name, st.ID8) {
			if err := network.DeleteRoute(c, st.RouteTableID, r.Name); err != nil {
				return err
			}
		}
	}
	return network.RenderRouteTable(c, st.RouteTableID)
}

// controller runs reconcile outside requests: when a role assignment or a
// cluster changes, every resyncEvery while an operation waits, and, as the
// route controller of AKS's kube-controller-manager does, every
// Options.RouteReconcilePeriod for every running cluster, so that a route a
// user deleted stays deleted until the next period, as on AKS. With a
// period of 0 (the fast mode of tests) a change to a cluster's route table
// or routes is reconciled at once instead.
type controller struct {
	p       *Provider
	srv     *arm.Server
	mu      sync.Mutex
	pending map[string]bool
	all     bool
	wake    chan struct{}
}

const resyncEvery = 250 * time.Millisecond

func newController(p *Provider) *controller {
	return &controller{p: p, pending: map[string]bool{}, wake: make(chan struct{}, 1)}
}

// Start runs the controller until ctx ends.
func (p *Provider) Start(ctx context.Context, srv *arm.Server) {
	if err := p.refreshServedVersion(ctx, srv); err != nil {
		slog.Error("containerservice: refresh the served Kubernetes version", "err", err)
	}
	p.ctrl.srv = srv
	srv.Watch(p.ctrl.onChange)
	go p.ctrl.run(ctx)
	if p.opts.Kube != nil {
		p.startKubeSync(ctx, srv)
	}
}

// refreshServedVersion re-renders the clusters stored by an aksnet that
// served another Kubernetes version, so that their currentKubernetesVersion
// (and their pools' currentOrchestratorVersion) says what aksnet-kube serves
// now, from the first read, not from their next change.
func (p *Provider) refreshServedVersion(ctx context.Context, srv *arm.Server) error {
	return srv.Update(ctx, func(c *arm.Call) error {
		var stale []string
		c.ScanType(TypeManagedCluster, "", func(id string, raw []byte) bool {
			var doc struct {
				Properties struct {
					CurrentKubernetesVersion string `json:"currentKubernetesVersion"`
				} `json:"properties"`
			}
			if json.Unmarshal(raw, &doc) == nil && doc.Properties.CurrentKubernetesVersion != kubesup.Version {
				stale = append(stale, id)
			}
			return true
		})
		for _, id := range stale {
			st, ok, err := loadState(c.R, id)
			if err != nil || !ok {
				return err
			}
			if _, err := p.renderCluster(c, st, nil); err != nil {
				return fmt.Errorf("cluster %s: %w", id, err)
			}
		}
		return nil
	})
}

func (k *controller) enqueue(id string) {
	k.mu.Lock()
	k.pending[strings.ToLower(id)] = true
	k.mu.Unlock()
	select {
	case k.wake <- struct{}{}:
	default:
	}
}

// onChange maps changed resources to the clusters that care.
func (k *controller) onChange(ids []string) {
	for _, id := range ids {
		t := strings.ToLower(arm.TypeOfID(id))
		switch t {
		case strings.ToLower(TypeManagedCluster):
			k.enqueue(id)
		case strings.ToLower(network.TypeRoute), strings.ToLower(network.TypeRouteTable):
			if k.p.opts.RouteReconcilePeriod > 0 {
				continue // the next period's pass looks at it
			}
			rt := id
			if t == strings.ToLower(network.TypeRoute) {
				rt = arm.ParentOf(id)
			}
			_ = k.srv.Store().View(func(r store.Reader) error {
				if owner, ok := r.Get(routeTableOwnerKey(rt)); ok {
					k.enqueue(string(owner))
				}
				return nil
			})
		case "microsoft.authorization/roleassignments":
			k.mu.Lock()
			k.all = true
			k.mu.Unlock()
			select {
			case k.wake <- struct{}{}:
			default:
			}
		}
	}
}

func (k *controller) run(ctx context.Context) {
	t := time.NewTicker(resyncEvery)
	defer t.Stop()
	var period <-chan time.Time
	if d := k.p.opts.RouteReconcilePeriod; d > 0 {
		pt := time.NewTicker(d)
		defer pt.Stop()
		period = pt.C
	}
	for {
		tick, routes := false, false
		select {
		case <-ctx.Done():
			return
		case <-k.wake:
		case <-t.C:
			tick = true
		case <-period:
			routes = true
		}
		k.mu.Lock()
		ids := k.pending
		all := k.all || tick
		k.pending, k.all = map[string]bool{}, false
		k.mu.Unlock()
		if routes {
			k.addRunningClusters(ids)
		}
		if all {
			// Clusters whose operation is in flight, and those waiting for
			// their identity's role (which counts only PropagationDelay
			// after it is seen), are looked at on every tick.
			_ = k.srv.Store().View(func(r store.Reader) error {
				r.Scan("cs/", func(_ string, v []byte) bool {
					if strings.Contains(string(v), `"operation":"`) || strings.Contains(string(v), `"permissionsOk":false`) {
						var st clusterState
						if json.Unmarshal(v, &st) == nil && (st.Operation != "" || !st.PermissionsOK && !st.Stopped) {
							ids[strings.ToLower(st.ClusterID)] = true
						}
					}
					return true
				})
				return nil
			})
		}
		for id := range ids {
			if err := k.reconcileOne(ctx, id, routes || k.p.opts.RouteReconcilePeriod <= 0); err != nil && ctx.Err() == nil {
				slog.Error("reconcile cluster", "cluster", id, "err", err)
			}
		}
	}
}

// addRunningClusters adds every cluster that is not stopped to ids: the
// route controller's periodic pass (a stopped cluster runs none).
func (k *controller) addRunningClusters(ids map[string]bool) {
	_ = k.srv.Store().View(func(r store.Reader) error {
		r.Scan("cs/", func(_ string, v []byte) bool {
			var st struct {
				ClusterID string `json:"clusterId"`
				Stopped   bool   `json:"stopped"`
			}
			if json.Unmarshal(v, &st) == nil && st.ClusterID != "" && !st.Stopped {
				ids[strings.ToLower(st.ClusterID)] = true
			}
			return true
		})
		return nil
	})
}

// reconcileOne reconciles one cluster in its own transaction. When nothing
// changes the transaction writes nothing, so the notifications of the
// controller's own writes settle after one more pass.
func (k *controller) reconcileOne(ctx context.Context, id string, routes bool) error {
	return k.srv.Update(ctx, func(c *arm.Call) error {
		st, ok, err := loadState(c.R, id)
		if err != nil || !ok {
			return err
		}
		changed, err := k.p.reconcile(c, st, time.Now(), routes)
		if err != nil || !changed {
			return err
		}
		if err := saveState(c.Tx, st); err != nil {
			return err
		}
		_, err = k.p.renderCluster(c, st, nil)
		return err
	})
}
