package controlplane

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/dataplane"
	"github.com/aksnet/aksnet/internal/kubenet"
	"github.com/aksnet/aksnet/internal/provider/containerservice"
	"github.com/aksnet/aksnet/internal/provider/network"
)

// The data-plane controller keeps a dataplane.Plane equal to the store: it
// builds the Desired data plane (VNets, subnets with their effective routes
// and NSGs, NICs, clusters with their nodes, pods and services) and calls
// Update right after every commit that the ARM server reports (Watch) and
// every DataplaneResync besides. Update reads back and changes only the
// namespaces whose desired state changed, plus a rotating share of the
// rest, which repairs drift: a namespace deleted by hand is back at the
// next pass, a route deleted by hand within the plane's resync spread
// (dataplane.Options.ResyncSpread passes).
//
// Races: a commit that lands while Update runs leaves a wake-up pending, so
// the next pass sees it; passes never overlap because one goroutine runs
// them. A namespace whose pass failed is read back in full on the next
// one, so a pass after a failed one starts from what the kernel holds, not
// from what the last pass believed.

// defaultDataplaneResync is how often the controller repairs drift.
const defaultDataplaneResync = time.Second

// podNetnser is what a Plane implements when it can name a pod's namespace.
type podNetnser interface {
	PodNetns(clusterID, pod, node string, hostNetwork bool) string
}

// workloadOptions wires the pods and services kinds to the data plane: its
// naming, and its controller dc (nil without a data plane), so that a
// workload PUT is answered once the workload runs.
func workloadOptions(cfg Config, dc *dataplaneController) containerservice.WorkloadOptions {
	var o containerservice.WorkloadOptions
	if n, ok := cfg.Dataplane.(podNetnser); ok {
		o.PodNetns = n.PodNetns
	}
	if dc != nil {
		o.Realised = dc.waitRealised
	}
	return o
}

type dataplaneController struct {
	plane  dataplane.Plane
	srv    *arm.Server
	log    *slog.Logger
	resync time.Duration
	wake   chan struct{}
	done   chan struct{}

	// requested counts waitRealised calls; a pass records the count it
	// saw before reading the store as completed, and closes passed.
	requested atomic.Uint64
	mu        sync.Mutex
	completed uint64
	passed    chan struct{}
}

// newDataplaneController returns the controller for the configuration's
// data plane, or nil when it has none. startDataplane runs it.
func newDataplaneController(cfg Config, srv *arm.Server, log *slog.Logger) *dataplaneController {
	if cfg.Dataplane == nil {
		return nil
	}
	dc := &dataplaneController{plane: cfg.Dataplane, srv: srv, log: log, resync: cfg.DataplaneResync,
		wake: make(chan struct{}, 1), done: make(chan struct{}), passed: make(chan struct{})}
	if dc.resync <= 0 {
		dc.resync = defaultDataplaneResync
	}
	return dc
}

// startDataplane runs the data-plane controller until ctx ends, when the
// configuration has a data plane.
func (p *Plane) startDataplane(ctx context.Context) {
	dc := p.dataplane
	if dc == nil {
		return
	}
	p.ARM.Watch(func([]string) { dc.poke() })
	go dc.run(ctx)
}

// poke wakes the controller for a pass, or leaves one pending.
func (dc *dataplaneController) poke() {
	select {
	case dc.wake <- struct{}{}:
	default:
	}
}

// maxRealiseWait bounds how long a workload PUT waits for the data plane.
const maxRealiseWait = 30 * time.Second

// waitRealised blocks until a pass that read the store after the call has
// set the data plane, or ctx ends, or maxRealiseWait passes. Every write
// committed before the call is then in the kernel (unless that pass
// failed, which the pass logs).
//
// It runs in a request's after-commit hook, which comes before the watch
// notification, so it wakes the controller itself.
func (dc *dataplaneController) waitRealised(ctx context.Context) {
	target := dc.requested.Add(1)
	dc.poke()
	t := time.NewTimer(maxRealiseWait)
	defer t.Stop()
	for {
		dc.mu.Lock()
		done, passed := dc.completed >= target, dc.passed
		dc.mu.Unlock()
		if done {
			return
		}
		select {
		case <-passed:
		case <-ctx.Done():
			return
		case <-t.C:
			dc.log.Warn("dataplane: a workload is not realised yet", "waited", maxRealiseWait)
			return
		}
	}
}

// waitDataplane waits for the controller to stop after the plane's context
// ended.
func (p *Plane) waitDataplane() {
	if p.dataplane != nil {
		<-p.dataplane.done
	}
}

func (dc *dataplaneController) run(ctx context.Context) {
	defer close(dc.done)
	t := time.NewTicker(dc.resync)
	defer t.Stop()
	for {
		dc.pass(ctx)
		select {
		case <-ctx.Done():
			return
		case <-dc.wake:
		case <-t.C:
		}
	}
}

// pass makes the data plane equal to the store once.
func (dc *dataplaneController) pass(ctx context.Context) {
	// Read before the store: a waiter counted here committed its write
	// before this pass's read transaction, so this pass realises it.
	seen := dc.requested.Load()
	defer dc.finished(seen)
	var d dataplane.Desired
	if err := dc.srv.View(func(c *arm.Call) error {
		d = buildDesired(c, dc.log)
		return nil
	}); err != nil {
		dc.log.Error("dataplane: read store", "err", err)
		return
	}
	sctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	// Update reads back only what changed, plus a rotating share of the
	// rest: an idle pass costs a fraction of a full one.
	if err := dc.plane.Update(sctx, d); err != nil && ctx.Err() == nil {
		dc.log.Error("dataplane: set", "err", err)
	}
}

// finished records that a pass which saw seen requests has ended, and
// wakes their waiters.
func (dc *dataplaneController) finished(seen uint64) {
	dc.mu.Lock()
	defer dc.mu.Unlock()
	if seen > dc.completed {
		dc.completed = seen
	}
	close(dc.passed)
	dc.passed = make(chan struct{})
}

// buildDesired reads the data plane the store describes: every running
// kubenet cluster with nodes, the VNets and subnets its nodes are in, their
// effective routes and NSGs, the nodes' NICs, the cluster's pods (plus its
// cluster-DNS pod on the first node) and services.
//
// A cluster whose stored state does not decode is logged and left out: one
// damaged record must not stop the data plane of every other cluster.
func buildDesired(c *arm.Call, log *slog.Logger) dataplane.Desired {
	var ids []string
	c.ScanType(containerservice.TypeManagedCluster, "", func(id string, _ []byte) bool {
		ids = append(ids, id)
		return true
	})
	var d dataplane.Desired
	vnets := map[string]int{}
	subnets := map[string]bool{}
	// The network provider's routing model, memoised per subnet: a pool's
	// nodes share one subnet, whose routes are worked out once a pass.
	routing := network.NewRouting(c)
	for _, id := range ids {
		info, ok, err := containerservice.Lookup(c.R, id)
		if err != nil {
			log.Error("dataplane: cluster state unreadable, the cluster is left out of the desired state", "cluster", id, "err", err)
			continue
		}
		// A stopped cluster's nodes are deallocated, as az aks stop
		// deallocates an AKS cluster's VMs: nothing of it runs, and its
		// pods answer nothing, until az aks start brings them back.
		if !ok || len(info.Nodes) == 0 || info.Stopped {
			continue
		}
		publicIP, err := containerservice.OutboundIP(c, info.ID)
		if err != nil {
			log.Error("dataplane: outbound IP unreadable, the cluster is left out of the desired state", "cluster", id, "err", err)
			continue
		}
		cl := dataplane.Cluster{ID: info.ID, PodCIDR: info.PodCIDR, ServiceCIDR: info.ServiceCIDR, DNSServiceIP: info.DNSServiceIP,
			PublicIP: publicIP}
		nodes := map[string]dataplane.Node{}
		for _, n := range info.Nodes {
			nic, err := routing.NIC(n.NICID, "")
			if err != nil || !n.PodCIDR.IsValid() {
				continue
			}
			sn := nic.Subnet
			vi, ok := vnets[strings.ToLower(sn.VNetID)]
			if !ok {
				vi = len(d.VNets)
				vnets[strings.ToLower(sn.VNetID)] = vi
				d.VNets = append(d.VNets, dataplane.VNet{ID: sn.VNetID, Prefixes: sn.VNetPrefixes})
			}
			v := &d.VNets[vi]
			if !subnets[strings.ToLower(sn.ID)] {
				subnets[strings.ToLower(sn.ID)] = true
				v.Subnets = append(v.Subnets, dataplane.Subnet{ID: sn.ID, Prefix: sn.Prefix, Routes: nic.Routes, NSG: nsgOf(c, sn.NSGID)})
			}
			v.NICs = append(v.NICs, dataplane.NIC{ID: n.NICID, Subnet: sn.ID, IP: nic.IP, IPForwarding: nic.IPForwarding, NSG: nsgOf(c, nic.NSGID)})
			cl.VNet = sn.VNetID
			node := dataplane.Node{Name: n.Name, NIC: n.NICID, IP: nic.IP, PodCIDR: n.PodCIDR, Gateway: sn.Prefix.Masked().Addr().Next()}
			cl.Nodes = append(cl.Nodes, node)
			nodes[n.Name] = node
		}
		if len(cl.Nodes) == 0 {
			continue
		}
		cl.Pods = clusterPods(c, info.ID, cl.Nodes, nodes)
		cl.Services = clusterServices(c, info)
		d.Clusters = append(d.Clusters, cl)
	}
	return d
}

// clusterPods are the pods of cluster id on its placed nodes (byName),
// after the cluster-DNS pod, which runs on the first node at the last
// address of its pod range.
func clusterPods(c *arm.Call, id string, placed []dataplane.Node, byName map[string]dataplane.Node) []dataplane.Pod {
	first := placed[0]
	pods := []dataplane.Pod{{Name: containerservice.DNSPodName, Node: first.Name,
		IP: containerservice.PodRange(first.PodCIDR).Last(), DNS: true}}
	for _, p := range containerservice.Pods(c.R, id) {
		if _, ok := byName[p.Node]; ok && p.IP.IsValid() {
			pods = append(pods, dataplane.Pod{Name: p.Name, Node: p.Node, IP: p.IP, HostNetwork: p.HostNetwork})
		}
	}
	return pods
}

// clusterServices are the cluster's services whose cluster IP is in its
// service CIDR.
func clusterServices(c *arm.Call, info containerservice.ClusterInfo) []kubenet.Service {
	var services []kubenet.Service
	for _, s := range containerservice.Services(c.R, info.ID) {
		if info.ServiceCIDR.Contains(s.ClusterIP) {
			services = append(services, s)
		}
	}
	return services
}

// nsgOf is NSG id in the data plane's model, nil when there is none.
func nsgOf(c *arm.Call, id string) *dataplane.NSG {
	if id == "" || !c.Exists(id) {
		return nil
	}
	return &dataplane.NSG{ID: id, Rules: network.NSGRules(c, id)}
}
