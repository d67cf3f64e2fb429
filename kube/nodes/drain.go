package nodes

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"
)

// drainTimeout bounds how long a PodDisruptionBudget may hold a removal back. AKS fails the
// operation instead; here the VMSS instance is already gone, so the Node goes anyway and the pod
// garbage collector removes what is left.
var drainTimeout = 60 * time.Second

// evictRetry is the wait between eviction attempts refused by a PodDisruptionBudget (429).
var evictRetry = 2 * time.Second

// drain cordons the Node and evicts its pods the way `kubectl drain --ignore-daemonsets
// --delete-emptydir-data` does: DaemonSet pods and mirror pods stay, they go with the Node.
func drain(ctx context.Context, client kubernetes.Interface, name string) error {
	patch := []byte(`{"spec":{"unschedulable":true}}`)
	if _, err := client.CoreV1().Nodes().Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("cordon %s: %w", name, err)
	}
	pods, err := client.CoreV1().Pods("").List(ctx, metav1.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("spec.nodeName", name).String(),
	})
	if err != nil {
		return fmt.Errorf("drain %s: list pods: %w", name, err)
	}
	deadline := time.Now().Add(drainTimeout)
	var errs []error
	evicted := 0
	for _, pod := range pods.Items {
		if !evictable(&pod) {
			continue
		}
		if err := evict(ctx, client, &pod, deadline); err != nil {
			errs = append(errs, err)
			continue
		}
		evicted++
	}
	klog.InfoS("drained Node", "node", name, "evicted", evicted, "failed", len(errs))
	return errors.Join(errs...)
}

// evictable reports whether drain evicts pod.
func evictable(pod *corev1.Pod) bool {
	if pod.DeletionTimestamp != nil || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return false
	}
	if _, mirror := pod.Annotations[corev1.MirrorPodAnnotationKey]; mirror {
		return false
	}
	for _, o := range pod.OwnerReferences {
		if o.Kind == "DaemonSet" && o.Controller != nil && *o.Controller {
			return false
		}
	}
	return true
}

func evict(ctx context.Context, client kubernetes.Interface, pod *corev1.Pod, deadline time.Time) error {
	ev := &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: pod.Namespace}}
	for {
		err := client.CoreV1().Pods(pod.Namespace).EvictV1(ctx, ev)
		switch {
		case err == nil, apierrors.IsNotFound(err):
			return nil
		case apierrors.IsTooManyRequests(err) && time.Now().Before(deadline):
			// A PodDisruptionBudget says not now; try again, as kubectl drain does.
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(evictRetry):
			}
		default:
			return fmt.Errorf("evict %s/%s: %w", pod.Namespace, pod.Name, err)
		}
	}
}
