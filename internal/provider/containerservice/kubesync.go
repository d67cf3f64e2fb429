package containerservice

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/aksnet/aksnet/internal/kubesup"
)

// KubePlanes runs the clusters' Kubernetes control planes; *kubesup.Supervisor
// is the implementation, tests use it with a fake process launcher.
type KubePlanes interface {
	// Access prepares cluster c's control plane and says how to reach it.
	Access(c kubesup.Cluster) (kubesup.Access, error)
	// SetNodes updates the Nodes of a cluster that has a control plane.
	SetNodes(c kubesup.Cluster) error
	// SetPower stops (c.Stopped) or starts a cluster's control plane.
	SetPower(c kubesup.Cluster) error
	// Remove stops a deleted cluster's control plane and deletes its data.
	Remove(id, name string) error
	// Resume reopens the ports of running clusters that had a control plane.
	Resume(clusters []kubesup.Cluster)
	// Provision makes a new cluster's Kubernetes API exist (PKI, port),
	// starting nothing; Provisioned reports that it has.
	Provision(c kubesup.Cluster) error
	Provisioned(id, name string) bool
}

// kubeSync keeps the control planes in step with ARM: after every commit
// that touches a cluster or an agent pool, a new cluster's control plane is
// provisioned, an existing one's nodes.json is rewritten from its state
// (scale, nodepool add/delete), and a deleted cluster's control plane is
// stopped and its data removed.
type kubeSync struct {
	p       *Provider
	srv     *arm.Server
	mu      sync.Mutex
	pending map[string]string // lower-cased id → id as stored
	wake    chan struct{}
}

func (p *Provider) startKubeSync(ctx context.Context, srv *arm.Server) {
	k := &kubeSync{p: p, srv: srv, pending: map[string]string{}, wake: make(chan struct{}, 1)}
	// The ports of clusters that had a control plane before a restart.
	var all []kubesup.Cluster
	_ = srv.View(func(c *arm.Call) error {
		c.ScanType(TypeManagedCluster, "", func(id string, _ []byte) bool {
			if kc, ok, err := kubeClusterOf(c, id); err == nil && ok {
				all = append(all, kc)
			}
			return true
		})
		return nil
	})
	p.opts.Kube.Resume(all)
	srv.Watch(k.onChange)
	go k.run(ctx)
}

// onChange queues the clusters whose documents changed; it must not block.
func (k *kubeSync) onChange(ids []string) {
	queued := false
	k.mu.Lock()
	for _, id := range ids {
		switch t := strings.ToLower(arm.TypeOfID(id)); t {
		case strings.ToLower(TypeManagedCluster):
			k.pending[strings.ToLower(id)], queued = id, true
		case strings.ToLower(TypeAgentPool):
			k.pending[strings.ToLower(arm.ParentOf(id))], queued = arm.ParentOf(id), true
		}
	}
	k.mu.Unlock()
	if queued {
		select {
		case k.wake <- struct{}{}:
		default:
		}
	}
}

func (k *kubeSync) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-k.wake:
		}
		k.mu.Lock()
		ids := k.pending
		k.pending = map[string]string{}
		k.mu.Unlock()
		for _, id := range ids {
			var kc kubesup.Cluster
			var found bool
			err := k.srv.View(func(c *arm.Call) error {
				var err error
				kc, found, err = kubeClusterOf(c, id)
				return err
			})
			switch {
			case err != nil:
				slog.Error("kube: read cluster", "cluster", id, "err", err)
			case found && !k.p.opts.Kube.Provisioned(kc.ID, kc.Name):
				// A new cluster: its operation ends once its API exists
				// (operationDue), so the controller looks again now.
				if err = k.p.opts.Kube.Provision(kc); err == nil {
					k.p.ctrl.enqueue(kc.ID)
				} else if ferr := k.failOperation(ctx, kc.ID, err); ferr != nil {
					slog.Error("kube: fail the cluster's operation", "cluster", id, "err", ferr)
				}
			case found:
				err = k.p.opts.Kube.SetNodes(kc)
			default:
				err = k.p.opts.Kube.Remove(id, arm.LastName(id))
			}
			if err != nil {
				slog.Error("kube: sync cluster", "cluster", id, "err", err)
			}
		}
	}
}

// failOperation ends the operation in flight of cluster id as Failed, with
// why its Kubernetes API could not be provisioned, and shows the cluster's
// provisioningState as Failed, as AKS does when a control plane fails to
// come up. Without it the operation would never be due (operationDue), and
// the caller's poller would wait forever. The next operation on the cluster
// (an update, a scale) provisions again.
func (k *kubeSync) failOperation(ctx context.Context, id string, cause error) error {
	return k.srv.Update(ctx, func(c *arm.Call) error {
		st, ok, err := loadState(c.R, id)
		if err != nil || !ok || st.Operation == "" {
			return err
		}
		fail := azerr.New(http.StatusInternalServerError, "InternalOperationError", "",
			"The Kubernetes API of managed cluster %s could not be provisioned: %v. Fix the cause, then retry the operation (for example az aks update), which provisions it again.",
			arm.LastName(id), cause)
		if err := arm.FinishOperation(c.Tx, st.Operation, fail); err != nil {
			return err
		}
		st.Operation, st.OperationKind, st.Failed = "", "", true
		if err := saveState(c.Tx, st); err != nil {
			return err
		}
		_, err = k.p.renderCluster(c, st, nil)
		return err
	})
}
