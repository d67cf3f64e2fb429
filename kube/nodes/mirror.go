package nodes

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	"github.com/aksnet/aksnet/internal/kubenodes"
)

// Timing of the mirror. Variables so tests can shorten them.
var (
	// pollInterval is how often the spec file is checked for a change.
	pollInterval = 500 * time.Millisecond
	// resyncInterval re-runs a full reconcile even without a change, to repair edits made through
	// the API (a deleted Node comes back).
	resyncInterval = 30 * time.Second
	// leaseInterval is how often every Node's Lease is renewed (the kubelet's default is 10 s for
	// a 40 s lease).
	leaseInterval = 10 * time.Second
)

// workers bounds the concurrent API calls of one reconcile or lease round. A round's writes are
// cheaper together than spread out: etcd puts the proposals that arrive during one WAL fsync into
// the next one, and HTTP/2 frames and watch events go out in fewer, larger writes. At 400 Nodes,
// 128 workers against 16 cut the CPU of keeping the Leases from 5.4–6.4% of a core to 3.7–4.2%,
// and all 400 Nodes were Ready in 5.6 s instead of 7.4–8.3 s (docs/performance-notes.md).
// Renewing each Lease in its own phase instead, as independent kubelets do, cost more: 6.3%.
const workers = 128

// Mirror keeps the Nodes in step with the spec file. Create one with NewMirror, then Run it.
type Mirror struct {
	client         kubernetes.Interface
	path           string
	kubeletVersion string

	nodes cache.Indexer

	mu       sync.Mutex
	desired  []kubenodes.Node
	draining map[string]bool
	leases   *leaseRenewer
	poke     chan struct{}
	// lastStat is the spec file as load last read it; only Run's goroutine uses it.
	lastStat fileStat

	// Sized, when set before Run, is called with the number of desired Nodes each time a spec
	// file is loaded, from Run's goroutine.
	Sized func(nodes int)
}

// NewMirror returns a mirror of the spec file at path. kubeletVersion is reported in every Node's
// nodeInfo (the served Kubernetes version).
func NewMirror(client kubernetes.Interface, path, kubeletVersion string) *Mirror {
	return &Mirror{
		client:         client,
		path:           path,
		kubeletVersion: kubeletVersion,
		draining:       map[string]bool{},
		leases:         newLeaseRenewer(client),
		poke:           make(chan struct{}, 1),
	}
}

// Run starts the Node informer, reconciles once, calls synced (which may be nil) after that first
// reconcile once its Nodes are schedulable (see waitSchedulable), and then keeps reconciling until
// ctx is done. It returns an error when the first
// reconcile fails; later failures are logged and retried.
func (m *Mirror) Run(ctx context.Context, synced func()) error {
	factory := informers.NewSharedInformerFactory(m.client, 0)
	inf := factory.Core().V1().Nodes().Informer()
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		// A Node deleted or edited by someone else is put back at once.
		DeleteFunc: func(any) { m.trigger() },
	}); err != nil {
		return fmt.Errorf("node informer: %w", err)
	}
	m.nodes = inf.GetIndexer()
	factory.Start(ctx.Done())
	defer factory.Shutdown()
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		return ctx.Err()
	}

	last, err := m.load(nil)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		klog.ErrorS(err, "node spec rejected; keeping the current Nodes", "path", m.path)
	}
	if err := m.reconcile(ctx); err != nil {
		return err
	}
	m.waitSchedulable(ctx)
	if synced != nil {
		synced()
	}

	go m.leases.run(ctx, m.leaseTargets)
	poll := time.NewTicker(pollInterval)
	defer poll.Stop()
	resync := time.NewTicker(resyncInterval)
	defer resync.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-poll.C:
			var changed bool
			if last, changed = m.reload(last); !changed {
				continue
			}
		case <-resync.C:
		case <-m.poke:
		}
		if err := m.reconcile(ctx); err != nil && ctx.Err() == nil {
			klog.ErrorS(err, "node reconcile")
		}
	}
}

// schedulableTimeout bounds the wait for the not-ready taints of new Nodes to be lifted.
const schedulableTimeout = 30 * time.Second

// waitSchedulable waits until every desired Node is in the informer's cache without the
// node.kubernetes.io/not-ready:NoSchedule taint. The apiserver's TaintNodesByCondition admission
// puts that taint on every Node created; reconcile lifts it right after the create (LiftNotReady),
// and otherwise the controller-manager's node lifecycle controller does. Until then no pod can be
// scheduled: a Deployment created at once would see all its pods pending, then all bound to the
// first Node lifted. So Run reports synced only after this. Past schedulableTimeout it logs and
// returns: the API still serves, and the Nodes become schedulable when the controller catches up.
func (m *Mirror) waitSchedulable(ctx context.Context) {
	m.mu.Lock()
	var names []string
	for _, n := range m.desired {
		names = append(names, n.Name)
	}
	m.mu.Unlock()
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	deadline := time.After(schedulableTimeout)
	for {
		tainted := ""
		for _, name := range names {
			obj, ok, _ := m.nodes.GetByKey(name)
			if node, isNode := obj.(*corev1.Node); !ok || !isNode || notReadyTainted(node) {
				tainted = name
				break
			}
		}
		if tainted == "" {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-deadline:
			klog.InfoS("Node still has the not-ready taint; reporting ready anyway", "node", tainted, "after", schedulableTimeout)
			return
		case <-t.C:
		}
	}
}

// notReadyTainted reports whether node has the taint that keeps pods off a Node not yet Ready.
func notReadyTainted(node *corev1.Node) bool {
	return slices.ContainsFunc(node.Spec.Taints, isNotReadyTaint)
}

// reload reads the spec file unless its bytes equal last, and says whether it holds a new desired
// list. It returns the bytes to compare the next read with.
func (m *Mirror) reload(last []byte) ([]byte, bool) {
	b, err := m.load(last)
	switch {
	case errors.Is(err, errUnchanged), errors.Is(err, fs.ErrNotExist):
		return last, false
	case err != nil:
		// A damaged spec keeps the Nodes as they are; aksnetd rewrites the file.
		klog.ErrorS(err, "node spec rejected; keeping the current Nodes", "path", m.path)
		return b, false
	}
	return b, true
}

var errUnchanged = errors.New("unchanged")

// fileStat is what load remembers of the spec file it last read.
type fileStat struct {
	ino     uint64
	size    int64
	modTime time.Time
}

func statOf(info fs.FileInfo) fileStat {
	st := fileStat{size: info.Size(), modTime: info.ModTime()}
	if sys, ok := info.Sys().(*syscall.Stat_t); ok {
		st.ino = sys.Ino
	}
	return st
}

// statSettle is how old a modification time must be before an unchanged stat is trusted: the
// file system's clock is coarser than a nanosecond, so two writes of the same size within one of
// its ticks would otherwise look alike.
const statSettle = time.Second

// same reports whether info describes the file last read, unchanged since: the same inode (the
// writer replaces the file by renaming), size and modification time, older than statSettle.
func (st fileStat) same(info fs.FileInfo, now time.Time) bool {
	cur := statOf(info)
	return cur.ino == st.ino && cur.size == st.size && cur.modTime.Equal(st.modTime) &&
		now.Sub(st.modTime) > statSettle
}

// load reads the spec file; when its bytes equal last it returns errUnchanged. On success the new
// desired list is stored. It returns the bytes read, so a rejected file is not reported twice.
func (m *Mirror) load(last []byte) ([]byte, error) {
	// The file is polled twice a second, and at 400 Nodes it is 150 KB: skip the read while the
	// file's identity, size and modification time are those of the last read.
	info, err := os.Stat(m.path)
	if err != nil {
		return last, fmt.Errorf("node spec: %w", err)
	}
	if last != nil && m.lastStat.same(info, time.Now()) {
		return last, errUnchanged
	}
	b, err := os.ReadFile(m.path)
	if err != nil {
		return last, fmt.Errorf("node spec: %w", err)
	}
	m.lastStat = statOf(info)
	if last != nil && bytes.Equal(b, last) {
		return last, errUnchanged
	}
	f, err := Parse(b)
	if err != nil {
		return b, err
	}
	m.mu.Lock()
	m.desired = f.Nodes
	m.mu.Unlock()
	if m.Sized != nil {
		m.Sized(len(f.Nodes))
	}
	return b, nil
}

func (m *Mirror) trigger() {
	select {
	case m.poke <- struct{}{}:
	default:
	}
}

// reconcile applies one Plan. Removals run in the background (a drain can take a while) and are not
// started twice for the same Node.
func (m *Mirror) reconcile(ctx context.Context) error {
	m.mu.Lock()
	desired := m.desired
	m.mu.Unlock()
	if desired == nil {
		return nil // no spec yet
	}
	var actual []*corev1.Node
	for _, o := range m.nodes.List() {
		actual = append(actual, o.(*corev1.Node))
	}
	plan := Diff(desired, actual, m.kubeletVersion, time.Now())
	if plan.Empty() {
		return nil
	}
	klog.InfoS("reconciling Nodes", "create", len(plan.Create), "update", len(plan.Update),
		"updateStatus", len(plan.UpdateStatus), "recreate", len(plan.Recreate), "remove", len(plan.Remove))

	var errs []error
	var mu sync.Mutex
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	parallel(plan.Create, func(n *corev1.Node) {
		created, err := m.client.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			return // the informer has not seen it yet; the next round updates it
		}
		if err != nil {
			fail(fmt.Errorf("create Node %s: %w", n.Name, err))
			return
		}
		// The registry keeps the status given at create (the kubelet registers the same way), but the
		// Lease is what keeps the Node Ready: write it now rather than in up to leaseInterval.
		if err := m.leases.renew(ctx, created); err != nil {
			fail(err)
		}
		// The Node is Ready from its first write, so lift the not-ready taint now, as the node
		// lifecycle controller would: on a cold start that controller runs about a second after the
		// Nodes exist, and until the taint goes no pod can be scheduled (see waitSchedulable). A
		// conflict means someone (that controller) wrote the Node first; it lifts the taint then.
		if lifted, ok := LiftNotReady(created); ok {
			if _, err := m.client.CoreV1().Nodes().Update(ctx, lifted, metav1.UpdateOptions{}); err != nil && !apierrors.IsConflict(err) {
				fail(fmt.Errorf("lift the not-ready taint of Node %s: %w", n.Name, err))
			}
		}
	})
	parallel(plan.Update, func(n *corev1.Node) {
		if _, err := m.client.CoreV1().Nodes().Update(ctx, n, metav1.UpdateOptions{}); err != nil && !apierrors.IsConflict(err) {
			fail(fmt.Errorf("update Node %s: %w", n.Name, err))
		}
	})
	parallel(plan.UpdateStatus, func(n *corev1.Node) {
		// Update resets the resourceVersion we hold; status goes on the latest object.
		cur, err := m.client.CoreV1().Nodes().Get(ctx, n.Name, metav1.GetOptions{})
		if err != nil {
			fail(fmt.Errorf("get Node %s: %w", n.Name, err))
			return
		}
		cur.Status = n.Status
		if _, err := m.client.CoreV1().Nodes().UpdateStatus(ctx, cur, metav1.UpdateOptions{}); err != nil && !apierrors.IsConflict(err) {
			fail(fmt.Errorf("update Node %s status: %w", n.Name, err))
		}
	})
	for _, name := range append(plan.Recreate, plan.Remove...) {
		m.startRemoval(ctx, name)
	}
	for name, why := range plan.RouteFailures {
		if err := m.routeFailed(ctx, name, why); err != nil {
			fail(err)
		}
	}
	return errors.Join(errs...)
}

// routeFailed records the Warning event the route controller records when it can't create a
// Node's route (upstream's reason FailedToCreateRoute), so `kubectl describe node` says why the
// Node is NetworkUnavailable.
func (m *Mirror) routeFailed(ctx context.Context, name, why string) error {
	now := metav1.Now()
	ev := &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{GenerateName: name + ".", Namespace: metav1.NamespaceDefault},
		InvolvedObject: corev1.ObjectReference{Kind: "Node", APIVersion: "v1", Name: name, UID: types.UID(name)},
		Reason:         "FailedToCreateRoute",
		Message:        "Could not create route for node " + name + ": " + why,
		Type:           corev1.EventTypeWarning,
		Source:         corev1.EventSource{Component: "route_controller"},
		FirstTimestamp: now, LastTimestamp: now, Count: 1,
	}
	if _, err := m.client.CoreV1().Events(metav1.NamespaceDefault).Create(ctx, ev, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("record the route failure of Node %s: %w", name, err)
	}
	return nil
}

// startRemoval drains and deletes a Node in the background, then triggers a reconcile (which
// recreates it if it is still desired, e.g. after a pod CIDR change).
func (m *Mirror) startRemoval(ctx context.Context, name string) {
	m.mu.Lock()
	if m.draining[name] {
		m.mu.Unlock()
		return
	}
	m.draining[name] = true
	m.mu.Unlock()
	go func() {
		defer func() {
			m.mu.Lock()
			delete(m.draining, name)
			m.mu.Unlock()
			m.trigger()
		}()
		if err := drain(ctx, m.client, name); err != nil {
			klog.ErrorS(err, "drain", "node", name)
		}
		err := m.client.CoreV1().Nodes().Delete(ctx, name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			klog.ErrorS(err, "delete Node", "node", name)
			return
		}
		m.leases.forget(name)
		klog.InfoS("removed Node", "node", name)
	}()
}

// leaseTargets lists the Nodes whose Leases are renewed: the desired ones that exist and are not
// being removed.
func (m *Mirror) leaseTargets() []*corev1.Node {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*corev1.Node
	for _, d := range m.desired {
		if m.draining[d.Name] {
			continue
		}
		o, ok, err := m.nodes.GetByKey(d.Name)
		if err != nil || !ok {
			continue
		}
		out = append(out, o.(*corev1.Node))
	}
	return out
}

// parallel runs f over items with at most workers at a time.
func parallel[T any](items []T, f func(T)) {
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for _, it := range items {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			f(it)
		}()
	}
	wg.Wait()
}
