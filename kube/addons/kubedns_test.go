package addons

import (
	"context"
	"net/netip"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

func TestEnsureKubeDNS(t *testing.T) {
	ctx := context.Background()
	client := fake.NewClientset()
	ip := netip.MustParseAddr("10.0.0.10")
	if err := EnsureKubeDNS(ctx, client, ip); err != nil {
		t.Fatal(err)
	}
	svc, err := client.CoreV1().Services("kube-system").Get(ctx, "kube-dns", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("kube-system/kube-dns: %v", err)
	}
	// AKS: kube-dns's ClusterIP is the cluster's dnsServiceIP, ports "dns" 53/UDP and "dns-tcp"
	// 53/TCP to the CoreDNS pods (k8s-app=kube-dns), as in Kubernetes's CoreDNS addon
	// (cluster/addons/dns/coredns/coredns.yaml.base).
	if svc.Spec.ClusterIP != "10.0.0.10" || len(svc.Spec.ClusterIPs) != 1 || svc.Spec.ClusterIPs[0] != "10.0.0.10" {
		t.Errorf("ClusterIP %q ClusterIPs %v, want 10.0.0.10", svc.Spec.ClusterIP, svc.Spec.ClusterIPs)
	}
	type port struct {
		name   string
		proto  corev1.Protocol
		port   int32
		target int
	}
	var got []port
	for _, p := range svc.Spec.Ports {
		got = append(got, port{p.Name, p.Protocol, p.Port, p.TargetPort.IntValue()})
	}
	want := []port{{"dns", corev1.ProtocolUDP, 53, 53}, {"dns-tcp", corev1.ProtocolTCP, 53, 53}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("ports %v, want %v", got, want)
	}
	if svc.Spec.Selector["k8s-app"] != "kube-dns" || svc.Labels["k8s-app"] != "kube-dns" {
		t.Errorf("selector %v labels %v, want k8s-app=kube-dns in both", svc.Spec.Selector, svc.Labels)
	}
	if _, err := client.CoreV1().Namespaces().Get(ctx, "kube-system", metav1.GetOptions{}); err != nil {
		t.Errorf("kube-system was not created: %v", err)
	}

	// A later start leaves the Service as it is, a user's change included.
	svc.Labels["edited"] = "by-user"
	if _, err := client.CoreV1().Services("kube-system").Update(ctx, svc, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := EnsureKubeDNS(ctx, client, ip); err != nil {
		t.Fatalf("second start: %v", err)
	}
	again, err := client.CoreV1().Services("kube-system").Get(ctx, "kube-dns", metav1.GetOptions{})
	if err != nil || again.Labels["edited"] != "by-user" {
		t.Errorf("second start replaced the Service (labels %v, err %v)", again.Labels, err)
	}
}

func TestEnsureKubeDNSErrors(t *testing.T) {
	ctx := context.Background()
	if err := EnsureKubeDNS(ctx, fake.NewClientset(), netip.Addr{}); err == nil || !strings.Contains(err.Error(), "not an IPv4") {
		t.Errorf("no IP: %v, want a refusal", err)
	}
	// An error other than "not found" is reported, and nothing is created on a guess.
	client := fake.NewClientset()
	client.PrependReactor("get", "services", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "services"}, "kube-dns", nil)
	})
	err := EnsureKubeDNS(ctx, client, netip.MustParseAddr("10.0.0.10"))
	if !apierrors.IsForbidden(err) {
		t.Errorf("error %v, want the apiserver's Forbidden, wrapped", err)
	}
	for _, a := range client.Actions() {
		if a.GetVerb() == "create" {
			t.Errorf("%s %s after a failed get", a.GetVerb(), a.GetResource().Resource)
		}
	}
	// A ClusterIP the apiserver refuses (taken, or outside the service range) is reported with it.
	client = fake.NewClientset()
	client.PrependReactor("create", "services", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewInvalid(schema.GroupKind{Kind: "Service"}, "kube-dns", nil)
	})
	if err := EnsureKubeDNS(ctx, client, netip.MustParseAddr("10.0.0.10")); err == nil || !strings.Contains(err.Error(), "10.0.0.10") {
		t.Errorf("refused create: %v, want an error naming 10.0.0.10", err)
	}
}
