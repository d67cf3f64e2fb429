package nodes

import (
	"context"
	"fmt"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"
)

// leaseDurationSeconds is the kubelet's default (--node-lease-duration-seconds).
const leaseDurationSeconds = 40

// leaseRenewer renews the Leases in kube-node-lease, as each Node's kubelet would. It remembers the
// last Lease it wrote per Node, so a renewal is one Update, not a Get and an Update.
type leaseRenewer struct {
	client kubernetes.Interface
	mu     sync.Mutex
	last   map[string]*coordinationv1.Lease
}

func newLeaseRenewer(client kubernetes.Interface) *leaseRenewer {
	return &leaseRenewer{client: client, last: map[string]*coordinationv1.Lease{}}
}

// run renews the Leases of targets() at once (after a restart they may be old), then every
// leaseInterval until ctx is done.
func (r *leaseRenewer) run(ctx context.Context, targets func() []*corev1.Node) {
	t := time.NewTicker(leaseInterval)
	defer t.Stop()
	for {
		r.round(ctx, targets())
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// round renews the Leases of nodes, workers at a time.
func (r *leaseRenewer) round(ctx context.Context, nodes []*corev1.Node) {
	var failed int
	var mu sync.Mutex
	parallel(nodes, func(n *corev1.Node) {
		if err := r.renew(ctx, n); err != nil && ctx.Err() == nil {
			mu.Lock()
			failed++
			mu.Unlock()
			klog.ErrorS(err, "renew Lease", "node", n.Name)
		}
	})
	if failed > 0 {
		klog.InfoS("Lease round", "nodes", len(nodes), "failed", failed)
	}
}

// renew writes node's Lease with renewTime = now, creating it (owned by the Node, so it goes when
// the Node goes) when absent.
func (r *leaseRenewer) renew(ctx context.Context, node *corev1.Node) error {
	leases := r.client.CoordinationV1().Leases(corev1.NamespaceNodeLease)
	now := metav1.NewMicroTime(time.Now())
	r.mu.Lock()
	prev := r.last[node.Name]
	r.mu.Unlock()
	if prev != nil && len(prev.OwnerReferences) > 0 && prev.OwnerReferences[0].UID == node.UID {
		l := prev.DeepCopy()
		l.Spec.RenewTime = &now
		got, err := leases.Update(ctx, l, metav1.UpdateOptions{})
		if err == nil {
			r.remember(got)
			return nil
		}
		if !apierrors.IsConflict(err) && !apierrors.IsNotFound(err) {
			return fmt.Errorf("lease %s: %w", node.Name, err)
		}
		// Someone else wrote it, or it is gone: fall through to read or create it.
	} else {
		// Not written by this process yet: most often a Node just created, whose Lease does not
		// exist, so create first; after a restart it does exist, and the Get below reads it.
		got, err := leases.Create(ctx, newLease(node, now), metav1.CreateOptions{})
		if err == nil {
			r.remember(got)
			return nil
		}
		if !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("lease %s: %w", node.Name, err)
		}
	}
	cur, err := leases.Get(ctx, node.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		got, err := leases.Create(ctx, newLease(node, now), metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("lease %s: %w", node.Name, err)
		}
		r.remember(got)
		return nil
	case err != nil:
		return fmt.Errorf("lease %s: %w", node.Name, err)
	}
	want := newLease(node, now)
	cur.Spec = want.Spec
	cur.OwnerReferences = want.OwnerReferences
	got, err := leases.Update(ctx, cur, metav1.UpdateOptions{})
	if err != nil {
		return fmt.Errorf("lease %s: %w", node.Name, err)
	}
	r.remember(got)
	return nil
}

func (r *leaseRenewer) remember(l *coordinationv1.Lease) {
	r.mu.Lock()
	r.last[l.Name] = l
	r.mu.Unlock()
}

func (r *leaseRenewer) forget(name string) {
	r.mu.Lock()
	delete(r.last, name)
	r.mu.Unlock()
}

// newLease is the Lease a kubelet keeps for its Node.
func newLease(node *corev1.Node, now metav1.MicroTime) *coordinationv1.Lease {
	return &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{
			Name:      node.Name,
			Namespace: corev1.NamespaceNodeLease,
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "v1", Kind: "Node", Name: node.Name, UID: node.UID,
			}},
		},
		Spec: coordinationv1.LeaseSpec{
			HolderIdentity:       ptr.To(node.Name),
			LeaseDurationSeconds: ptr.To[int32](leaseDurationSeconds),
			RenewTime:            &now,
		},
	}
}
