package main

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/aksnet/aksnet/internal/kubenodes"
	"github.com/aksnet/aksnet/internal/loopback"
	"github.com/aksnet/aksnet/internal/pki"
	"github.com/aksnet/aksnet/kube/controlplane"
)

// TestDeploymentScheduledOntoNodes is issue 16's client-go acceptance test: aksnet-kube's control
// plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler and the Node mirror) starts
// on a data dir whose nodes.json has 3 Nodes, as aksnetd writes it; a Deployment of 6 replicas is
// created with client-go; the controller-manager makes its pods and the default scheduler binds
// each to one of the mirrored Nodes. Nothing runs them (there is no kubelet), but they are
// scheduled, and spread evenly: the scheduler's default PodTopologySpread constraint over
// kubernetes.io/hostname and its least-allocated scoring both favour the node with the fewest of
// the Deployment's pods, so 6 pods on 3 equal nodes land 2, 2, 2.
func TestDeploymentScheduledOntoNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Kubernetes control plane; skipped with -short")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o700); err != nil {
		t.Fatal(err)
	}
	var spec kubenodes.File
	for i := range 3 {
		spec.Nodes = append(spec.Nodes, kubenodes.Node{
			Name:       fmt.Sprintf("aks-nodepool1-12345678-vmss%06d", i),
			Pool:       "nodepool1",
			InternalIP: netip.AddrFrom4([4]byte{192, 168, 1, byte(4 + i)}),
			PodCIDR:    netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 244, byte(i), 0}), 24),
			ProviderID: kubenodes.ProviderID("00000000-0000-0000-0000-000000000001", "MC_rg_c1_eastus", "aks-nodepool1-12345678-vmss", i),
			MaxPods:    110,
		})
	}
	b, err := kubenodes.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := pki.WriteFileAtomic(filepath.Join(data, kubenodes.FileName), b, 0o600); err != nil {
		t.Fatal(err)
	}
	port, err := loopback.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	cfg := controlplane.Config{DataDir: data, PKIDir: filepath.Join(dir, "pki"), SecurePort: port,
		ServiceCIDR: netip.MustParsePrefix("10.0.0.0/16"), ClusterName: "c1"}

	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	t0 := time.Now()
	go func() { served <- serve(ctx, cfg) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-served:
			if err != nil {
				t.Errorf("aksnet-kube's serve: %v", err)
			}
		case <-time.After(90 * time.Second):
			t.Error("the control plane did not stop 90 s after its context ended")
		}
	})
	waitFor(t, "the control plane is ready", 3*time.Minute, served, func() (bool, error) {
		_, err := os.Stat(filepath.Join(data, ReadyFile))
		return err == nil, nil
	})
	t.Logf("measured: start → ready %s", time.Since(t0).Round(time.Millisecond))

	client := adminClient(t, cfg)
	labels := map[string]string{"app": "spread"}
	replicas := int32(6)
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "spread", Namespace: "default"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "pause", Image: "registry.k8s.io/pause:3.10"}}},
			},
		},
	}
	rctx, rcancel := context.WithTimeout(ctx, 2*time.Minute)
	defer rcancel()
	if _, err := client.AppsV1().Deployments("default").Create(rctx, dep, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t1 := time.Now()
	var pods []corev1.Pod
	waitFor(t, "the Deployment's 6 pods are scheduled", 90*time.Second, served, func() (bool, error) {
		list, err := client.CoreV1().Pods("default").List(rctx, metav1.ListOptions{LabelSelector: "app=spread"})
		if err != nil {
			return false, err
		}
		pods = list.Items
		if len(pods) != int(replicas) {
			return false, nil
		}
		for _, p := range pods {
			if p.Spec.NodeName == "" {
				return false, nil
			}
		}
		return true, nil
	})
	t.Logf("measured: Deployment created → its %d pods scheduled %s", replicas, time.Since(t1).Round(time.Millisecond))

	perNode := map[string]int{}
	for _, n := range spec.Nodes {
		perNode[n.Name] = 0
	}
	for _, p := range pods {
		if _, ok := perNode[p.Spec.NodeName]; !ok {
			t.Errorf("pod %s is bound to %q, which is not an aksnet Node", p.Name, p.Spec.NodeName)
			continue
		}
		perNode[p.Spec.NodeName]++
		if !slices.ContainsFunc(p.Status.Conditions, func(c corev1.PodCondition) bool {
			return c.Type == corev1.PodScheduled && c.Status == corev1.ConditionTrue
		}) {
			t.Errorf("pod %s on %s has no PodScheduled=True condition: %+v", p.Name, p.Spec.NodeName, p.Status.Conditions)
		}
	}
	for node, n := range perNode {
		if n != 2 {
			t.Errorf("the default scheduler spreads 6 replicas over 3 equal Nodes 2 per node; got %v (%s has %d)", perNode, node, n)
			break
		}
	}
}

// adminClient is a client-go client in system:masters, with a certificate from the cluster CA that
// the control plane created in cfg.PKIDir, as listClusterAdminCredential issues one.
func adminClient(t *testing.T, cfg controlplane.Config) kubernetes.Interface {
	t.Helper()
	ca, err := pki.EnsureCluster(cfg.PKIDir, pki.ClusterNames{ClusterName: cfg.ClusterName})
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := ca.ClientCert("masterclient", "system:masters")
	if err != nil {
		t.Fatal(err)
	}
	client, err := kubernetes.NewForConfig(&rest.Config{
		Host:            fmt.Sprintf("https://127.0.0.1:%d", cfg.SecurePort),
		TLSClientConfig: rest.TLSClientConfig{CAData: ca.CertPEM, CertData: certPEM, KeyData: keyPEM},
		Timeout:         30 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// waitFor polls cond every 200 ms until it holds, failing t after timeout, on cond's last error
// once the time is up, or at once when the control plane stops (served).
func waitFor(t *testing.T, what string, timeout time.Duration, served chan error, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, err := cond()
		if ok {
			return
		}
		select {
		case serr := <-served:
			served <- serr // for the cleanup
			t.Fatalf("waiting until %s: the control plane stopped: %v", what, serr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting until %s (last error: %v)", timeout, what, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
