// Package addons creates the objects AKS puts in every cluster that aksnet's control plane must
// have too, once the apiserver answers: today the kube-dns Service.
package addons

import (
	"context"
	"fmt"
	"net/netip"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
)

// KubeDNSName is the Service's name in kube-system: kube-dns, as on AKS and in upstream's CoreDNS
// addon, whatever the DNS server behind it.
const KubeDNSName = "kube-dns"

// KubeDNSService is the kube-system/kube-dns Service AKS creates, with ClusterIP ip (the cluster's
// dnsServiceIP): ports dns (53/UDP) and dns-tcp (53/TCP) to the pods labelled k8s-app=kube-dns.
// Labels and ports are those of Kubernetes's CoreDNS addon
// (kubernetes/kubernetes cluster/addons/dns/coredns/coredns.yaml.base), which AKS deploys.
func KubeDNSService(ip netip.Addr) *corev1.Service {
	port := func(name string, proto corev1.Protocol) corev1.ServicePort {
		return corev1.ServicePort{Name: name, Protocol: proto, Port: 53, TargetPort: intstr.FromInt32(53)}
	}
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{
			Name:      KubeDNSName,
			Namespace: metav1.NamespaceSystem,
			Labels: map[string]string{
				"k8s-app":                         "kube-dns",
				"kubernetes.io/cluster-service":   "true",
				"kubernetes.io/name":              "CoreDNS",
				"addonmanager.kubernetes.io/mode": "Reconcile",
			},
		},
		Spec: corev1.ServiceSpec{
			Type:       corev1.ServiceTypeClusterIP,
			Selector:   map[string]string{"k8s-app": "kube-dns"},
			ClusterIP:  ip.String(),
			ClusterIPs: []string{ip.String()},
			Ports:      []corev1.ServicePort{port("dns", corev1.ProtocolUDP), port("dns-tcp", corev1.ProtocolTCP)},
		},
	}
}

// EnsureKubeDNS creates kube-system/kube-dns with ClusterIP ip unless a Service of that name
// exists: one that is there (the control plane's earlier start, or the user's own) is left as it
// is. kube-system is created too when the apiserver's namespace controller has not made it yet.
func EnsureKubeDNS(ctx context.Context, client kubernetes.Interface, ip netip.Addr) error {
	if !ip.Is4() {
		return fmt.Errorf("kube-dns: ClusterIP %q is not an IPv4 address", ip)
	}
	_, err := client.CoreV1().Services(metav1.NamespaceSystem).Get(ctx, KubeDNSName, metav1.GetOptions{})
	switch {
	case err == nil:
		return nil
	case !apierrors.IsNotFound(err):
		return fmt.Errorf("kube-dns: %w", err)
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: metav1.NamespaceSystem}}
	if _, err := client.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("kube-dns: namespace %s: %w", metav1.NamespaceSystem, err)
	}
	_, err = client.CoreV1().Services(metav1.NamespaceSystem).Create(ctx, KubeDNSService(ip), metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("kube-dns: create Service with ClusterIP %s: %w", ip, err)
	}
	return nil
}
