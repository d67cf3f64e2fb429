package nodes

import (
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/aksnet/aksnet/internal/kubenodes"
)

// Annotations the mirror puts on the Nodes it owns.
const (
	// AnnotationManaged marks a Node as the mirror's: only such Nodes are ever deleted.
	AnnotationManaged = "kube.aksnet.io/managed"
	// AnnotationLabels lists (comma-separated, sorted) the label keys the mirror set, so that a key
	// dropped from the spec is removed while labels a user added stay.
	AnnotationLabels = "kube.aksnet.io/labels"
)

// NodeInfo reported in status.nodeInfo, as an AKS Ubuntu node shows it.
var nodeInfo = corev1.NodeSystemInfo{
	OperatingSystem:         "linux",
	Architecture:            "amd64",
	OSImage:                 "Ubuntu 22.04.5 LTS",
	KernelVersion:           "5.15.0-1079-azure",
	ContainerRuntimeVersion: "containerd://1.7.27-1",
}

// betaTwins maps each stable node label to the deprecated beta label that AKS nodes still carry
// beside it: the kubelet writes the os and arch twins, cloud-provider-azure the others. Without them
// the controller-manager's node lifecycle controller would patch the os and arch twins onto every
// new Node, one GET and one PATCH each.
var betaTwins = map[string]string{
	corev1.LabelOSStable:           "beta.kubernetes.io/os",
	corev1.LabelArchStable:         "beta.kubernetes.io/arch",
	corev1.LabelInstanceTypeStable: corev1.LabelInstanceType,
	corev1.LabelTopologyRegion:     corev1.LabelFailureDomainBetaRegion,
	corev1.LabelTopologyZone:       corev1.LabelFailureDomainBetaZone,
}

// Labels returns every label the mirror sets on n: the derived ones, then n.Labels on top, then the
// beta twin of each stable label present (betaTwins), with the stable label's value.
func Labels(n kubenodes.Node) map[string]string {
	l := map[string]string{
		corev1.LabelHostname:             n.Name,
		"agentpool":                      n.Pool,
		"kubernetes.azure.com/agentpool": n.Pool,
		corev1.LabelOSStable:             "linux",
		corev1.LabelArchStable:           "amd64",
		// The role labels AKS's kubelets are started with; kubectl get nodes shows ROLES "agent".
		"kubernetes.azure.com/role":     "agent",
		"kubernetes.io/role":            "agent",
		"node-role.kubernetes.io/agent": "",
	}
	maps.Copy(l, n.Labels)
	for stable, beta := range betaTwins {
		if v, ok := l[stable]; ok {
			l[beta] = v
		}
	}
	return l
}

// Desired builds the Node object for n, status included, as the mirror creates it. kubeletVersion
// is the served Kubernetes version; now stamps the conditions.
func Desired(n kubenodes.Node, kubeletVersion string, now time.Time) *corev1.Node {
	labels := Labels(n)
	cpu, mem := n.CPU, n.Memory
	if cpu == "" {
		cpu = kubenodes.DefaultCPU
	}
	if mem == "" {
		mem = kubenodes.DefaultMemory
	}
	// Validated in Node.validate; MustParse cannot panic on what ReadFile accepted.
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:              resource.MustParse(cpu),
		corev1.ResourceMemory:           resource.MustParse(mem),
		corev1.ResourcePods:             *resource.NewQuantity(int64(n.MaxPods), resource.DecimalSI),
		corev1.ResourceEphemeralStorage: resource.MustParse("128Gi"),
	}
	info := nodeInfo
	info.KubeletVersion = kubeletVersion
	t := metav1.NewTime(now)
	cond := func(typ corev1.NodeConditionType, status corev1.ConditionStatus, reason, msg string) corev1.NodeCondition {
		return corev1.NodeCondition{Type: typ, Status: status, Reason: reason, Message: msg, LastHeartbeatTime: t, LastTransitionTime: t}
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:   n.Name,
			Labels: labels,
			Annotations: map[string]string{
				AnnotationManaged: "true",
				AnnotationLabels:  strings.Join(slices.Sorted(maps.Keys(labels)), ","),
			},
		},
		Spec: corev1.NodeSpec{
			PodCIDR:    n.PodCIDR.String(),
			PodCIDRs:   []string{n.PodCIDR.String()},
			ProviderID: n.ProviderID,
		},
		Status: corev1.NodeStatus{
			Capacity:    capacity,
			Allocatable: capacity.DeepCopy(),
			Addresses: []corev1.NodeAddress{
				{Type: corev1.NodeInternalIP, Address: n.InternalIP.String()},
				{Type: corev1.NodeHostName, Address: n.Name},
			},
			Conditions: []corev1.NodeCondition{
				networkCondition(n, cond),
				cond(corev1.NodeMemoryPressure, corev1.ConditionFalse, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
				cond(corev1.NodeDiskPressure, corev1.ConditionFalse, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
				cond(corev1.NodePIDPressure, corev1.ConditionFalse, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
				cond(corev1.NodeReady, corev1.ConditionTrue, "KubeletReady", "kubelet is posting ready status"),
			},
			NodeInfo: info,
		},
	}
}

// LiftNotReady returns a copy of node without the node.kubernetes.io/not-ready:NoSchedule taint,
// and true, when node's Ready condition is True and it carries that taint; otherwise nil and false.
// The apiserver's TaintNodesByCondition admission puts the taint on every Node created; the
// controller-manager's node lifecycle controller lifts it once it sees the Node Ready, which is the
// same end state this gives.
func LiftNotReady(node *corev1.Node) (*corev1.Node, bool) {
	if !isReady(node) || !slices.ContainsFunc(node.Spec.Taints, isNotReadyTaint) {
		return nil, false
	}
	out := node.DeepCopy()
	out.Spec.Taints = slices.DeleteFunc(out.Spec.Taints, isNotReadyTaint)
	if len(out.Spec.Taints) == 0 {
		out.Spec.Taints = nil
	}
	return out, true
}

// isNotReadyTaint reports whether t keeps pods off a Node that is not yet Ready.
func isNotReadyTaint(t corev1.Taint) bool {
	return t.Key == corev1.TaintNodeNotReady && t.Effect == corev1.TaintEffectNoSchedule
}

// isReady reports whether node's Ready condition is True.
func isReady(node *corev1.Node) bool {
	for _, c := range node.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// Plan is what it takes to bring the actual Nodes to the desired ones.
type Plan struct {
	// Create holds new Nodes, status included.
	Create []*corev1.Node
	// Update holds existing Nodes (with their resourceVersion) whose labels changed.
	Update []*corev1.Node
	// UpdateStatus holds existing Nodes whose status must be rewritten.
	UpdateStatus []*corev1.Node
	// Recreate names Nodes whose podCIDR or providerID changed: both are immutable once set, so the
	// Node is drained, deleted and created again.
	Recreate []string
	// Remove names managed Nodes that are no longer desired: drained, then deleted.
	Remove []string
	// RouteFailures are the Nodes that become NetworkUnavailable, by name, with why: each gets a
	// FailedToCreateRoute event, as the route controller records one.
	RouteFailures map[string]string
}

// networkCondition is the NetworkUnavailable condition the route controller sets: False once the
// node's route exists, True (NoRouteCreated) while it can't be created, in upstream's words.
func networkCondition(n kubenodes.Node, cond func(corev1.NodeConditionType, corev1.ConditionStatus, string, string) corev1.NodeCondition) corev1.NodeCondition {
	if n.NoRoute != "" {
		return cond(corev1.NodeNetworkUnavailable, corev1.ConditionTrue, "NoRouteCreated", "RouteController failed to create a route")
	}
	return cond(corev1.NodeNetworkUnavailable, corev1.ConditionFalse, "RouteCreated", "RouteController created a route")
}

// networkUnavailable reports whether node's NetworkUnavailable condition is True.
func networkUnavailable(node *corev1.Node) bool {
	for _, c := range node.Status.Conditions {
		if c.Type == corev1.NodeNetworkUnavailable {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// Empty reports whether nothing needs doing.
func (p Plan) Empty() bool {
	return len(p.Create)+len(p.Update)+len(p.UpdateStatus)+len(p.Recreate)+len(p.Remove) == 0
}

// Diff compares desired with actual. Only Nodes carrying AnnotationManaged are removed; a Node of the
// same name that the mirror did not create is taken over.
func Diff(desired []kubenodes.Node, actual []*corev1.Node, kubeletVersion string, now time.Time) Plan {
	var p Plan
	byName := make(map[string]*corev1.Node, len(actual))
	for _, a := range actual {
		byName[a.Name] = a
	}
	want := make(map[string]bool, len(desired))
	for _, d := range desired {
		want[d.Name] = true
		node := Desired(d, kubeletVersion, now)
		a, ok := byName[d.Name]
		if d.NoRoute != "" && (!ok || !networkUnavailable(a)) {
			if p.RouteFailures == nil {
				p.RouteFailures = map[string]string{}
			}
			p.RouteFailures[d.Name] = d.NoRoute
		}
		switch {
		case !ok:
			p.Create = append(p.Create, node)
			continue
		case a.Spec.ProviderID != "" && a.Spec.ProviderID != node.Spec.ProviderID,
			a.Spec.PodCIDR != "" && a.Spec.PodCIDR != node.Spec.PodCIDR:
			p.Recreate = append(p.Recreate, d.Name)
			continue
		}
		if u, changed := mergeMeta(a, node); changed {
			p.Update = append(p.Update, u)
		}
		if statusChanged(a.Status, node.Status) {
			s := a.DeepCopy()
			s.Status.Capacity = node.Status.Capacity
			s.Status.Allocatable = node.Status.Allocatable
			s.Status.Addresses = node.Status.Addresses
			s.Status.NodeInfo = node.Status.NodeInfo
			s.Status.Conditions = mergeConditions(a.Status.Conditions, node.Status.Conditions)
			p.UpdateStatus = append(p.UpdateStatus, s)
		}
	}
	for _, a := range actual {
		if !want[a.Name] && a.Annotations[AnnotationManaged] == "true" {
			p.Remove = append(p.Remove, a.Name)
		}
	}
	sort.Strings(p.Remove)
	return p
}

// mergeMeta returns actual with the desired labels, annotations and spec fields applied, and whether
// anything changed. Labels the mirror set before but no longer wants are removed; others stay.
func mergeMeta(actual, desired *corev1.Node) (*corev1.Node, bool) {
	u := actual.DeepCopy()
	if u.Labels == nil {
		u.Labels = map[string]string{}
	}
	if u.Annotations == nil {
		u.Annotations = map[string]string{}
	}
	for _, k := range strings.Split(actual.Annotations[AnnotationLabels], ",") {
		if _, keep := desired.Labels[k]; k != "" && !keep {
			delete(u.Labels, k)
		}
	}
	maps.Copy(u.Labels, desired.Labels)
	maps.Copy(u.Annotations, desired.Annotations)
	u.Spec.PodCIDR, u.Spec.PodCIDRs, u.Spec.ProviderID = desired.Spec.PodCIDR, desired.Spec.PodCIDRs, desired.Spec.ProviderID
	changed := !maps.Equal(u.Labels, actual.Labels) || !maps.Equal(u.Annotations, actual.Annotations) ||
		u.Spec.PodCIDR != actual.Spec.PodCIDR || !slices.Equal(u.Spec.PodCIDRs, actual.Spec.PodCIDRs) ||
		u.Spec.ProviderID != actual.Spec.ProviderID
	return u, changed
}

// statusChanged compares what the mirror owns in a status. Conditions compare by type and status
// only: heartbeat times move with every write and are not a reason to write again.
func statusChanged(actual, desired corev1.NodeStatus) bool {
	if !slices.Equal(actual.Addresses, desired.Addresses) || actual.NodeInfo != desired.NodeInfo {
		return true
	}
	if !sameResources(actual.Capacity, desired.Capacity) || !sameResources(actual.Allocatable, desired.Allocatable) {
		return true
	}
	have := map[corev1.NodeConditionType]corev1.ConditionStatus{}
	for _, c := range actual.Conditions {
		have[c.Type] = c.Status
	}
	for _, c := range desired.Conditions {
		if have[c.Type] != c.Status {
			return true
		}
	}
	return false
}

func sameResources(a, b corev1.ResourceList) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || v.Cmp(w) != 0 {
			return false
		}
	}
	return true
}

// mergeConditions keeps the transition time of a condition whose status did not change.
func mergeConditions(actual, desired []corev1.NodeCondition) []corev1.NodeCondition {
	old := map[corev1.NodeConditionType]corev1.NodeCondition{}
	for _, c := range actual {
		old[c.Type] = c
	}
	out := make([]corev1.NodeCondition, len(desired))
	for i, c := range desired {
		if o, ok := old[c.Type]; ok && o.Status == c.Status {
			c.LastTransitionTime = o.LastTransitionTime
		}
		out[i] = c
	}
	return out
}
