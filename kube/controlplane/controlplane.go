// Package controlplane runs the Kubernetes control plane of one cluster in one process: an embedded
// etcd, the upstream kube-apiserver, kube-controller-manager and kube-scheduler, all on loopback and
// all stopped by one context.
package controlplane

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/runtime"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	cliflag "k8s.io/component-base/cli/flag"
	"k8s.io/klog/v2"
	apiserverapp "k8s.io/kubernetes/cmd/kube-apiserver/app"
	apiserveroptions "k8s.io/kubernetes/cmd/kube-apiserver/app/options"
	kcmapp "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	kcmoptions "k8s.io/kubernetes/cmd/kube-controller-manager/app/options"
	schedulerapp "k8s.io/kubernetes/cmd/kube-scheduler/app"
	scheduleroptions "k8s.io/kubernetes/cmd/kube-scheduler/app/options"

	"github.com/aksnet/aksnet/internal/pki"
	"github.com/aksnet/aksnet/kube/addons"
)

// Config is what one cluster's control plane needs.
type Config struct {
	// DataDir holds etcd/ (the cluster's state), InitializedFile and kubeconfig/ (internal client
	// credentials).
	DataDir string
	// PKIDir holds the cluster's PKI files (internal/pki's cluster layout: pki.ClusterCACert and the rest).
	PKIDir string
	// SecurePort is the apiserver's port on 127.0.0.1.
	SecurePort int
	// ServiceCIDR is the apiserver's --service-cluster-ip-range; default/kubernetes gets its .1.
	ServiceCIDR netip.Prefix
	// DNSServiceIP is the ClusterIP of kube-system/kube-dns (the cluster's dnsServiceIP), created at
	// start when missing; the zero value creates no kube-dns Service.
	DNSServiceIP netip.Addr
	// ClusterName names the cluster in the controller-manager and the CA's subject.
	ClusterName string
	// ExtraSANs are added to a generated serving certificate (e.g. the cluster's fqdn).
	ExtraSANs []string
	// Bare runs etcd and the apiserver only, with the same options: no controller-manager, no
	// scheduler, no kube-dns. It is the baseline the benchmarks compare a cluster's control plane
	// with ("a bare kube-apiserver started from the same build").
	Bare bool
}

// Validate checks the values a caller passed in.
func (c Config) Validate() error {
	var errs []error
	if c.DataDir == "" {
		errs = append(errs, errors.New("data dir is required"))
	}
	if c.SecurePort <= 0 || c.SecurePort > 65535 {
		errs = append(errs, fmt.Errorf("secure port %d is not in 1-65535", c.SecurePort))
	}
	if !c.ServiceCIDR.IsValid() || !c.ServiceCIDR.Addr().Is4() || c.ServiceCIDR.Bits() > 28 {
		errs = append(errs, fmt.Errorf("service CIDR %q must be an IPv4 prefix of /28 or larger", c.ServiceCIDR))
	} else if c.ServiceCIDR.Masked() != c.ServiceCIDR {
		errs = append(errs, fmt.Errorf("service CIDR %s has host bits set (network is %s)", c.ServiceCIDR, c.ServiceCIDR.Masked()))
	}
	if c.ClusterName == "" {
		errs = append(errs, errors.New("cluster name is required"))
	}
	// AKS: dnsServiceIP must be inside serviceCidr and is not its first address, which
	// default/kubernetes takes.
	if ip := c.DNSServiceIP; ip.IsValid() && c.ServiceCIDR.IsValid() {
		switch {
		case !c.ServiceCIDR.Masked().Contains(ip):
			errs = append(errs, fmt.Errorf("DNS service IP %s is not in the service CIDR %s", ip, c.ServiceCIDR))
		case ip == c.ServiceCIDR.Masked().Addr() || ip == c.KubernetesServiceIP():
			errs = append(errs, fmt.Errorf("DNS service IP %s is the service CIDR's network address or default/kubernetes' %s", ip, c.KubernetesServiceIP()))
		}
	}
	return errors.Join(errs...)
}

// KubernetesServiceIP is the ClusterIP of default/kubernetes: the first address after the network's.
func (c Config) KubernetesServiceIP() netip.Addr { return c.ServiceCIDR.Masked().Addr().Next() }

// Internal identities. Their certificates are derived from the cluster CA at every start.
const (
	userControllerManager = "system:kube-controller-manager"
	userScheduler         = "system:kube-scheduler"
	// UserNodeMirror is the identity of the node mirror (and of the readiness probe). It is in
	// system:masters because it creates Nodes, renews their Leases and evicts Pods.
	UserNodeMirror = "aksnet:node-mirror"
)

// Running is handed to the ready callback once the apiserver answers /readyz.
type Running struct {
	// Admin is a client configuration for UserNodeMirror, with the cluster CA trusted.
	Admin *rest.Config
}

// shutdownTimeout bounds how long Run waits for the apiserver to drain before closing etcd.
const shutdownTimeout = 30 * time.Second

// Run starts etcd, the apiserver, the controller-manager and the scheduler (etcd and the apiserver
// only when cfg.Bare), creates kube-dns when cfg asks for it and it is missing, calls ready once
// /readyz is ok, and returns when ctx is done (nil) or when a component fails (its error). Every
// component stops with ctx; etcd is closed last so the apiserver's final writes land. Etcd data
// that is missing or damaged (CheckData, or etcd failing on it) is a *DataError, returned before
// any component starts.
func Run(ctx context.Context, cfg Config, ready func(context.Context, Running) error) (err error) {
	if err := cfg.Validate(); err != nil {
		return err
	}
	// Before anything is written: etcd data that is missing or damaged is refused as it is.
	if err := CheckData(cfg.DataDir); err != nil {
		return err
	}
	if cfg.PKIDir == "" {
		cfg.PKIDir = filepath.Join(cfg.DataDir, "pki")
	}
	creds, err := writeCredentials(cfg)
	if err != nil {
		return err
	}
	// The internal components watch every API, deprecated ones included; their warnings are noise.
	rest.SetDefaultWarningHandler(rest.NoWarnings{})

	etcdURL, etcd, err := startEtcd(ctx, cfg.DataDir)
	if err != nil {
		return err
	}
	defer etcd.Close()
	opts, err := parseOptions(cfg, etcdURL, creds)
	if err != nil {
		return err
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	apiDone := startAPIServer(ctx, cancel, opts.api)
	// Whatever happens next, let the apiserver drain before etcd (deferred above) closes.
	defer func() {
		cancel(nil)
		select {
		case <-apiDone:
		case <-time.After(shutdownTimeout):
			klog.Warning("kube-apiserver did not stop in time; closing etcd anyway")
		}
	}()

	client, err := kubernetes.NewForConfig(creds.admin)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	if err := waitReady(ctx, client); err != nil {
		return stopReason(ctx, err)
	}
	if !cfg.Bare {
		// kube-dns is created while the controllers start (both wait on the apiserver, not on
		// each other), and exists before ready is called.
		dns := make(chan struct{})
		go func() {
			defer close(dns)
			if !cfg.DNSServiceIP.IsValid() {
				return
			}
			// Logged, not fatal: a cluster whose kube-dns IP someone else's Service took still serves
			// its API, and a control plane that exits would only be restarted into the same state.
			if err := addons.EnsureKubeDNS(ctx, client, cfg.DNSServiceIP); err != nil {
				klog.ErrorS(err, "kube-system/kube-dns not created", "clusterIP", cfg.DNSServiceIP)
			}
		}()
		err := startControllers(ctx, cancel, opts)
		<-dns
		if err != nil {
			return err
		}
	}
	if err := ready(ctx, Running{Admin: creds.admin}); err != nil {
		return stopReason(ctx, err)
	}
	<-ctx.Done()
	return stopReason(ctx, nil)
}

// credentials are the internal components' client credentials.
type credentials struct {
	// kcmKubeconfig and schedKubeconfig are the paths of the controller-manager's and the
	// scheduler's kubeconfigs.
	kcmKubeconfig, schedKubeconfig string
	// admin is Running.Admin.
	admin *rest.Config
}

// writeCredentials ensures the cluster's PKI and writes the internal components' kubeconfigs
// under cfg.DataDir/kubeconfig, with certificates fresh from the cluster CA.
func writeCredentials(cfg Config) (credentials, error) {
	ca, err := pki.EnsureCluster(cfg.PKIDir, pki.ClusterNames{
		ClusterName: cfg.ClusterName,
		ServiceIP:   cfg.KubernetesServiceIP(),
		DNSNames:    cfg.ExtraSANs,
	})
	if err != nil {
		return credentials{}, err
	}
	server := "https://127.0.0.1:" + strconv.Itoa(cfg.SecurePort)
	kcDir := filepath.Join(cfg.DataDir, "kubeconfig")
	if err := os.MkdirAll(kcDir, 0o700); err != nil {
		return credentials{}, fmt.Errorf("kubeconfig dir: %w", err)
	}
	var c credentials
	if c.kcmKubeconfig, err = writeKubeconfig(kcDir, "controller-manager.conf", server, ca, userControllerManager); err != nil {
		return credentials{}, err
	}
	if c.schedKubeconfig, err = writeKubeconfig(kcDir, "scheduler.conf", server, ca, userScheduler); err != nil {
		return credentials{}, err
	}
	certPEM, keyPEM, err := ca.ClientCert(UserNodeMirror, "system:masters")
	if err != nil {
		return credentials{}, err
	}
	c.admin = &rest.Config{
		Host:            server,
		TLSClientConfig: rest.TLSClientConfig{CAData: ca.CertPEM, CertData: certPEM, KeyData: keyPEM},
		// Creating 400 Nodes is 800 requests (Node, Lease); the limit is there to catch a runaway
		// loop, not to pace the apiserver.
		QPS:       1000,
		Burst:     1000,
		UserAgent: "aksnet-kube",
		// Protobuf, as the controller-manager and the scheduler talk: the Node mirror renews every
		// Node's Lease every 10 s, and with 400 Nodes encoding and decoding JSON on both sides is
		// most of what that costs.
		ContentConfig: rest.ContentConfig{
			ContentType:        runtime.ContentTypeProtobuf,
			AcceptContentTypes: runtime.ContentTypeProtobuf + "," + runtime.ContentTypeJSON,
		},
	}
	return c, nil
}

// options are the three components' parsed options.
type options struct {
	kcm   *kcmoptions.KubeControllerManagerOptions
	api   *apiserveroptions.ServerRunOptions
	sched *scheduleroptions.Options
}

// parseOptions parses the components' command lines and sets the feature gates they share.
func parseOptions(cfg Config, etcdURL string, creds credentials) (options, error) {
	// Order matters: the controller-manager's options change feature-gate defaults, which panics once
	// another component has added the shared gates to a flag set ("gates already added").
	kcm, err := controllerManagerOptions(cfg, creds.kcmKubeconfig)
	if err != nil {
		return options{}, err
	}
	api, err := apiServerOptions(cfg, etcdURL)
	if err != nil {
		return options{}, err
	}
	sched := scheduleroptions.NewOptions()
	if err := parse("kube-scheduler", *sched.Flags, []string{
		"--kubeconfig=" + creds.schedKubeconfig,
		"--authentication-kubeconfig=" + creds.schedKubeconfig,
		"--authorization-kubeconfig=" + creds.schedKubeconfig,
		"--leader-elect=false",
		"--secure-port=0",
	}); err != nil {
		return options{}, err
	}
	// The three components share one global registry of versions and feature gates.
	if err := api.GenericServerRunOptions.ComponentGlobalsRegistry.Set(); err != nil {
		return options{}, fmt.Errorf("feature gates: %w", err)
	}
	return options{kcm: kcm, api: api, sched: sched}, nil
}

// controllerManagerOptions parses the controller-manager's command line.
func controllerManagerOptions(cfg Config, kubeconfig string) (*kcmoptions.KubeControllerManagerOptions, error) {
	opts, err := kcmoptions.NewKubeControllerManagerOptions()
	if err != nil {
		return nil, fmt.Errorf("controller-manager options: %w", err)
	}
	fs := opts.Flags(kcmapp.KnownControllers(), kcmapp.ControllersDisabledByDefault(), kcmapp.ControllerAliases())
	opts.ParsedFlags = &fs
	p := func(name string) string { return filepath.Join(cfg.PKIDir, name) }
	return opts, parse("kube-controller-manager", fs, []string{
		"--kubeconfig=" + kubeconfig,
		"--authentication-kubeconfig=" + kubeconfig,
		"--authorization-kubeconfig=" + kubeconfig,
		"--leader-elect=false",
		"--secure-port=0",
		"--cluster-name=" + cfg.ClusterName,
		"--service-cluster-ip-range=" + cfg.ServiceCIDR.String(),
		// aksnet owns the pod CIDRs: the Node mirror writes spec.podCIDR, node IPAM stays off.
		"--allocate-node-cidrs=false",
		"--configure-cloud-routes=false",
		"--use-service-account-credentials=true",
		"--service-account-private-key-file=" + p(pki.ClusterSAKey),
		"--root-ca-file=" + p(pki.ClusterCACert),
		"--cluster-signing-cert-file=" + p(pki.ClusterCACert),
		"--cluster-signing-key-file=" + p(pki.ClusterCAKey),
		// Lifting the not-ready taint of 400 new Nodes is 400 requests of the node-lifecycle
		// controller, beside its own reads and updates; at 100/s the taints of 400 Nodes took 12 s.
		"--kube-api-qps=400",
		"--kube-api-burst=800",
	})
}

// apiServerOptions parses the apiserver's command line.
func apiServerOptions(cfg Config, etcdURL string) (*apiserveroptions.ServerRunOptions, error) {
	opts := apiserveroptions.NewServerRunOptions()
	p := func(name string) string { return filepath.Join(cfg.PKIDir, name) }
	return opts, parse("kube-apiserver", opts.Flags(), []string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(cfg.SecurePort),
		"--tls-cert-file=" + p(pki.ClusterAPIServerCert),
		"--tls-private-key-file=" + p(pki.ClusterAPIServerKey),
		"--client-ca-file=" + p(pki.ClusterCACert),
		"--cert-dir=" + filepath.Join(cfg.DataDir, "apiserver"),
		"--service-cluster-ip-range=" + cfg.ServiceCIDR.String(),
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + p(pki.ClusterSAPub),
		"--service-account-signing-key-file=" + p(pki.ClusterSAKey),
		"--authorization-mode=Node,RBAC",
		"--enable-admission-plugins=NodeRestriction",
		"--allow-privileged=true",
		// The advertise address is loopback, which no pod could reach: keep default/kubernetes'
		// endpoints out of the reconciler's hands.
		"--endpoint-reconciler-type=none",
		"--advertise-address=127.0.0.1",
		"--profiling=false",
	})
}

// startAPIServer runs the apiserver until ctx is done; when it stops it cancels ctx with the
// reason, and the returned channel receives its error.
func startAPIServer(ctx context.Context, cancel context.CancelCauseFunc, opts *apiserveroptions.ServerRunOptions) <-chan error {
	done := make(chan error, 1)
	go func() {
		completed, err := opts.Complete(ctx)
		if err == nil {
			if errs := completed.Validate(); len(errs) > 0 {
				err = utilerrors.NewAggregate(errs)
			}
		}
		if err == nil {
			err = apiserverapp.Run(ctx, completed)
		}
		done <- err
		if err != nil {
			cancel(fmt.Errorf("kube-apiserver: %w", err))
		} else {
			cancel(errors.New("kube-apiserver stopped"))
		}
	}()
	return done
}

// startControllers runs the controller-manager and the scheduler until ctx is done; one that
// stops before cancels ctx with the reason.
func startControllers(ctx context.Context, cancel context.CancelCauseFunc, opts options) error {
	kcmConfig, err := opts.kcm.Config(ctx, kcmapp.KnownControllers(), kcmapp.ControllersDisabledByDefault(), kcmapp.ControllerAliases())
	if err != nil {
		return fmt.Errorf("kube-controller-manager: %w", err)
	}
	go func() {
		err := kcmapp.Run(ctx, kcmConfig.Complete())
		if ctx.Err() == nil {
			cancel(fmt.Errorf("kube-controller-manager stopped: %w", err))
		}
	}()
	schedCC, sched, err := schedulerapp.Setup(ctx, opts.sched)
	if err != nil {
		return fmt.Errorf("kube-scheduler: %w", err)
	}
	go func() {
		err := schedulerapp.Run(ctx, schedCC, sched)
		if ctx.Err() == nil {
			cancel(fmt.Errorf("kube-scheduler stopped: %w", err))
		}
	}()
	return nil
}

// stopReason says why Run ends: nil when the caller's context ended (a clean stop), otherwise the
// component failure that cancelled it, or err.
func stopReason(ctx context.Context, err error) error {
	cause := context.Cause(ctx)
	if cause == nil || errors.Is(cause, context.Canceled) || errors.Is(cause, context.DeadlineExceeded) {
		return err
	}
	return cause
}

// waitReady polls /readyz until it answers ok.
func waitReady(ctx context.Context, client kubernetes.Interface) error {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	var last error
	for {
		body, err := client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		if err == nil && strings.TrimSpace(string(body)) == "ok" {
			return nil
		}
		last = err
		select {
		case <-ctx.Done():
			if last != nil {
				return fmt.Errorf("kube-apiserver not ready: %w", last)
			}
			return ctx.Err()
		case <-t.C:
		}
	}
}

// parse applies args to a component's named flag sets.
func parse(component string, sets cliflag.NamedFlagSets, args []string) error {
	fs := pflag.NewFlagSet(component, pflag.ContinueOnError)
	for _, name := range sets.Order {
		fs.AddFlagSet(sets.FlagSets[name])
	}
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%s flags: %w", component, err)
	}
	return nil
}

// writeKubeconfig writes a 0600 kubeconfig for user, with a fresh client certificate from the CA.
func writeKubeconfig(dir, name, server string, ca *pki.ClusterCA, user string) (string, error) {
	certPEM, keyPEM, err := ca.ClientCert(user)
	if err != nil {
		return "", err
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["local"] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: ca.CertPEM}
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{ClientCertificateData: certPEM, ClientKeyData: keyPEM}
	cfg.Contexts["local"] = &clientcmdapi.Context{Cluster: "local", AuthInfo: user}
	cfg.CurrentContext = "local"
	path := filepath.Join(dir, name)
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return "", fmt.Errorf("kubeconfig %s: %w", name, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		return "", fmt.Errorf("kubeconfig %s: %w", name, err)
	}
	return path, nil
}
