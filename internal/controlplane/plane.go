package controlplane

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/dataplane"
	"github.com/aksnet/aksnet/internal/directory"
	"github.com/aksnet/aksnet/internal/identity"
	"github.com/aksnet/aksnet/internal/kubesup"
	"github.com/aksnet/aksnet/internal/pki"
	"github.com/aksnet/aksnet/internal/provider/authorization"
	"github.com/aksnet/aksnet/internal/provider/compute"
	"github.com/aksnet/aksnet/internal/provider/containerservice"
	"github.com/aksnet/aksnet/internal/provider/managedidentity"
	"github.com/aksnet/aksnet/internal/provider/network"
	"github.com/aksnet/aksnet/internal/provider/resources"
	"github.com/aksnet/aksnet/internal/statedir"
	"github.com/aksnet/aksnet/internal/store"
	"github.com/aksnet/aksnet/internal/store/bolt"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// DefaultListen is where aksnet serves by default.
const DefaultListen = "127.0.0.1:8443"

// Config configures a control plane.
type Config struct {
	// StateDir holds the database, certificates, keys and credentials.
	StateDir string
	// MaxRoutesPerTable is Azure's route limit (default 400).
	MaxRoutesPerTable int
	// PageSize is the number of items per LIST page (default 100).
	PageSize int
	// ProvisioningDelay holds AKS operations in flight at least this long
	// (containerservice.Options.ProvisioningDelay; default 0).
	ProvisioningDelay time.Duration
	// RouteReconcilePeriod is how often the route controller restores the
	// clusters' routes (containerservice.Options.RouteReconcilePeriod;
	// aksnetd's default is AKS's 10 s; 0 reconciles at every change).
	RouteReconcilePeriod time.Duration
	// PropagationDelay emulates role assignment propagation: a permission
	// counts only this long after it first appears (default 0).
	PropagationDelay time.Duration
	// Logger receives structured logs; slog.Default() when nil.
	Logger *slog.Logger
	// Dataplane, when set, is kept equal to the store (see dataplane.go);
	// DataplaneResync is how often drift is repaired (default 1s).
	Dataplane       dataplane.Plane
	DataplaneResync time.Duration
	// HTTP bounds what one client can hold of the HTTPS server; zero fields
	// take DefaultHTTPLimits' values.
	HTTP HTTPLimits
	// TokenRate and TokenBurst bound token requests per client (remote
	// address and client_id): TokenBurst at once, refilled at TokenRate per
	// second (defaults 20/s and 200).
	TokenRate  float64
	TokenBurst int
	// Restore, when set, names a backup (from 'aksnet state backup') that
	// replaces the database before it is opened; the previous database is
	// kept beside it.
	Restore string
	// ResetState moves the database and admin.json aside before opening,
	// so that a new tenant starts over damaged state without deleting it.
	ResetState bool
	// Kube configures the clusters' Kubernetes control planes (package
	// kubesup); its Dir defaults to <StateDir>/kube.
	Kube kubesup.Options
}

// Plane is an assembled control plane.
type Plane struct {
	ARM         *arm.Server
	Credentials *statedir.Credentials
	TLS         *pki.Bundle
	Issuer      *identity.Issuer
	cfg         Config
	db          *bolt.Store
	handler     http.Handler
	log         *slog.Logger
	stop        context.CancelFunc
	tokenMu     sync.Mutex
	tokens      map[string]*identity.TokenService
	tokenLimit  *identity.RateLimiter
	directory   *directory.Store
	dataplane   *dataplaneController
	lock        *statedir.DirLock
	kube        *kubesup.Supervisor
}

// Open opens (creating on first start) the state in cfg.StateDir and
// assembles the control plane. It holds the state directory's lock until
// Close, so a second server on the same directory fails at once.
//
// Damaged state is refused, never used or overwritten: a database that fails
// verification (see bolt.Verify), or a missing database in a directory that
// already has admin credentials or a CA, is an error telling how to recover.
func Open(ctx context.Context, cfg Config) (p *Plane, err error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("create state dir: %w", err)
	}
	// The lock comes first: nothing in the directory is read or changed
	// while another server may be using it.
	lock, err := statedir.Lock(cfg.StateDir)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = lock.Unlock()
		}
	}()
	if err := prepareState(cfg); err != nil {
		return nil, err
	}
	// The database is checked before the certificates: pki.Ensure would
	// create a CA, which a later start would take for existing state.
	db, err := openDatabase(cfg.StateDir, cfg.ResetState)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = db.Close()
		}
	}()
	bundle, err := pki.Ensure(cfg.StateDir)
	if err != nil {
		return nil, fmt.Errorf("certificates: %w", err)
	}
	issuer, err := identity.NewIssuer(filepath.Join(cfg.StateDir, "token-key.pem"), "https://localhost/adfs")
	if err != nil {
		return nil, fmt.Errorf("token issuer: %w", err)
	}
	p = &Plane{cfg: cfg, db: db, lock: lock, TLS: bundle, Issuer: issuer, log: cfg.Logger, tokens: map[string]*identity.TokenService{}, directory: directory.New(db)}
	p.tokenLimit = identity.NewRateLimiter(tokenLimits(cfg))
	kopts := cfg.Kube
	if kopts.Dir == "" {
		kopts.Dir = filepath.Join(cfg.StateDir, "kube")
	}
	if kopts.Logger == nil {
		kopts.Logger = cfg.Logger
	}
	kube := kubesup.New(kopts)
	p.kube = kube
	defer func() {
		if err != nil {
			kube.Close()
		}
	}()
	reg := arm.NewRegistry()
	promReg := prometheus.NewRegistry()
	promReg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	authn := &authenticator{issuer: issuer, store: db}
	srv := arm.NewServer(arm.Config{Store: db, Registry: reg, Authn: authn, Observer: newMetrics(promReg), PageSize: cfg.PageSize})
	p.ARM = srv
	p.dataplane = newDataplaneController(cfg, srv, cfg.Logger)
	az := authorization.NewAuthorizer(srv)
	srv.SetAuthorizer(az)

	// Tenant id is needed by the providers; read or create it first.
	var clusters *containerservice.Provider
	creds, err := bootstrapWith(ctx, srv, cfg.StateDir, func(tenantID string) {
		clusters = registerProviders(reg, cfg, tenantID, p.kube, workloadOptions(cfg, p.dataplane))
	})
	if err != nil {
		return nil, err
	}
	p.Credentials = creds
	// The bootstrap admin administers the directory too (states made before
	// directory roles existed get the role on their next start).
	if err := db.Update(ctx, func(tx store.Tx) error {
		return directory.AssignDirectoryRole(tx, creds.ObjectID, directory.GlobalAdministratorRoleID)
	}); err != nil {
		return nil, fmt.Errorf("bootstrap: directory role: %w", err)
	}
	// Controllers live as long as the plane, not as the caller's context.
	cctx, stop := context.WithCancel(context.Background())
	p.stop = stop
	clusters.Start(cctx, srv)
	p.startDataplane(cctx)
	go srv.RunJanitor(cctx, time.Minute, 15*time.Minute)

	p.handler = p.routes(authn, az, promReg)
	return p, nil
}

// prepareState applies --restore or --reset-state, which exclude each other,
// to the state directory before the database is opened.
func prepareState(cfg Config) error {
	switch {
	case cfg.Restore != "" && cfg.ResetState:
		return errors.New("--restore and --reset-state exclude each other")
	case cfg.Restore != "":
		return restoreDatabase(cfg.StateDir, cfg.Restore, cfg.Logger)
	case cfg.ResetState:
		return resetState(cfg.StateDir, cfg.Logger)
	}
	return nil
}

// tokenLimits is the token endpoint's rate and burst per client: cfg's, or
// 20 a second with bursts of 200 where cfg leaves them zero or negative.
func tokenLimits(cfg Config) (rate float64, burst int) {
	rate, burst = cfg.TokenRate, cfg.TokenBurst
	if rate <= 0 {
		rate = 20
	}
	if burst <= 0 {
		burst = 200
	}
	return rate, burst
}

// registerProviders registers every resource provider in reg for the
// tenant, and returns the managed-cluster provider, whose controllers the
// plane starts. wopts wires the workloads to the data plane.
func registerProviders(reg *arm.Registry, cfg Config, tenantID string, kube containerservice.KubePlanes, wopts containerservice.WorkloadOptions) *containerservice.Provider {
	resources.Register(reg)
	network.Register(reg, network.Options{MaxRoutesPerTable: cfg.MaxRoutesPerTable})
	managedidentity.Register(reg, tenantID)
	authorization.Register(reg, tenantID)
	compute.Register(reg)
	clusters := containerservice.Register(reg, containerservice.Options{TenantID: tenantID, MaxRoutesPerTable: cfg.MaxRoutesPerTable,
		PropagationDelay: cfg.PropagationDelay, ProvisioningDelay: cfg.ProvisioningDelay,
		RouteReconcilePeriod: cfg.RouteReconcilePeriod, Kube: kube})
	containerservice.RegisterWorkloads(reg, wopts)
	authorization.OnAssignment(reg, clusters.RoleAssigned)
	return clusters
}

// routes is the plane's HTTP handler: the identity endpoints, Graph, the
// plane's own endpoints (health, metrics, metadata, backup), and ARM for
// everything else.
func (p *Plane) routes(authn *authenticator, az *authorization.Authorizer, promReg *prometheus.Registry) http.Handler {
	srv, creds := p.ARM, p.Credentials
	graph := &directory.Graph{Store: p.db, TenantID: creds.TenantID, Authn: authn}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(promReg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /metadata/endpoints", p.serveMetadata)
	mux.Handle(BackupPath, &backupHandler{db: p.db, authn: authn, authz: az, subscriptionID: creds.SubscriptionID, log: p.cfg.Logger})
	return arm.Outermost(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case identity.IsIdentityPath(r.URL.Path):
			p.tokenService(r.Host).Handler().ServeHTTP(w, r)
		case directory.IsGraphPath(r.URL.Path):
			graph.ServeHTTP(w, r)
		case isMetadataPath(r.URL.Path):
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				mux.ServeHTTP(w, r) // the mux answers 405
				return
			}
			p.serveMetadata(w, r)
		case isPlanePath(r.URL.Path):
			mux.ServeHTTP(w, r)
		default:
			srv.ServeHTTP(w, r)
		}
	}))
}

// isMetadataPath reports whether path is ARM's metadata endpoint. Clients
// that join "/metadata/endpoints" to a resource manager URL ending in a
// slash, as Azure's own does ("https://management.azure.com/"), ask for
// //metadata/endpoints, which Azure answers; so does aksnet.
func isMetadataPath(path string) bool {
	return strings.HasPrefix(path, "/") && strings.TrimLeft(path, "/") == "metadata/endpoints"
}

// isPlanePath reports whether path is one of the plane's own endpoints.
func isPlanePath(path string) bool {
	return path == "/healthz" || path == "/metrics" || path == "/metadata/endpoints" || path == BackupPath
}

// tokenService returns the token service for the host a client used, so
// that discovery documents name the same host as the client's authority.
func (p *Plane) tokenService(host string) *identity.TokenService {
	p.tokenMu.Lock()
	defer p.tokenMu.Unlock()
	ts, ok := p.tokens[host]
	if !ok {
		if len(p.tokens) > 64 { // bound the map against arbitrary Host headers
			p.tokens = map[string]*identity.TokenService{}
		}
		ts = identity.NewTokenService(p.Issuer, p.directory, "https://"+host)
		// One limiter for every host name, so a client can't reset its
		// budget by sending another Host header.
		ts.Limiter = p.tokenLimit
		p.tokens[host] = ts
	}
	return ts
}

// Close stops the controllers, closes the store and releases the state
// directory.
func (p *Plane) Close() error {
	p.stop()
	p.kube.Close()
	p.waitDataplane()
	err := p.db.Close()
	return errors.Join(err, p.lock.Unlock())
}

// TLSConfig returns the server TLS configuration.
func (p *Plane) TLSConfig() *tls.Config { return p.TLS.TLSConfig() }

// Serve serves HTTPS on ln until ctx ends, then shuts down gracefully,
// letting requests in flight finish (at most 10 s).
func (p *Plane) Serve(ctx context.Context, ln net.Listener) error {
	lim := p.cfg.HTTP.withDefaults()
	hs := &http.Server{
		Handler:           p.handler,
		TLSConfig:         p.TLSConfig(),
		ReadHeaderTimeout: lim.ReadHeaderTimeout,
		ReadTimeout:       lim.ReadTimeout,
		WriteTimeout:      lim.WriteTimeout,
		IdleTimeout:       lim.IdleTimeout,
		MaxHeaderBytes:    lim.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(p.log.Handler(), slog.LevelDebug),
	}
	errc := make(chan error, 1)
	go func() {
		errc <- hs.Serve(lenientListener{tls.NewListener(newLimitListener(ln, lim.MaxConns), hs.TLSConfig)})
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// serveMetadata answers ARM's metadata endpoint in the shape each
// api-version has on Azure, so that every client that reads it configures
// itself for aksnet:
//   - before 2019-05-01, one object with galleryEndpoint, graphEndpoint and
//     an ADFS login endpoint: what az 2.45 reads on `az cloud register
//     --endpoint-resource-manager` (msrestazure asks for 2015-01-01);
//   - from 2019-05-01, a list of clouds, the ADFS shape az relies on;
//   - from 2022-09-01, one cloud object, as Azure answers it, with Entra
//     ID's authentication block (identityProvider AAD, tenant common).
//     azurerm (go-azure-sdk's environments.FromEndpoint, via metadata_host)
//     asks for exactly this version, wants name, resourceManager and
//     microsoftGraphResourceId, and treats a cloud whose identity provider is
//     not AAD as Azure Stack, which it refuses. Its tokens then come from
//     <loginEndpoint>/{tenant}/oauth2/v2.0/token, which the token service
//     serves at the root.
func (p *Plane) serveMetadata(w http.ResponseWriter, r *http.Request) {
	base := "https://" + r.Host
	auth := map[string]any{
		"loginEndpoint":    base + "/adfs",
		"audiences":        []string{base + "/"},
		"tenant":           "adfs",
		"identityProvider": "ADFS",
	}
	cloud := map[string]any{
		"name":                     "aksnet",
		"portal":                   base,
		"resourceManager":          base + "/",
		"microsoftGraphResourceId": base + "/",
		"graph":                    base + "/",
		"graphAudience":            base + "/",
		"gallery":                  "",
		"batch":                    "",
		"sqlManagement":            "",
		"activeDirectoryDataLake":  "",
		"authentication":           auth,
		"suffixes": map[string]any{
			"storage": "core.windows.net", "keyVaultDns": "vault.azure.net", "acrLoginServer": "azurecr.io",
			"sqlServerHostname": "database.windows.net", "azureDataLakeStoreFileSystem": "", "azureDataLakeAnalyticsCatalogAndJob": "",
		},
	}
	v := r.URL.Query().Get("api-version")
	switch {
	case v == "" || v < "2019-05-01":
		arm.WriteJSON(w, r, http.StatusOK, map[string]any{
			"galleryEndpoint": "", "graphEndpoint": base + "/", "portalEndpoint": base,
			"authentication": map[string]any{"loginEndpoint": base + "/adfs", "audiences": []string{base + "/"}},
		})
	case v < "2022-09-01":
		arm.WriteJSON(w, r, http.StatusOK, []any{cloud})
	default:
		cloud["authentication"] = map[string]any{
			"loginEndpoint":    base,
			"audiences":        []string{base + "/"},
			"tenant":           "common",
			"identityProvider": "AAD",
		}
		arm.WriteJSON(w, r, http.StatusOK, cloud)
	}
}
