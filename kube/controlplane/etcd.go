package controlplane

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"time"

	"github.com/aksnet/aksnet/internal/loopback"
	"go.etcd.io/etcd/server/v3/embed"
)

// etcdStartTimeout bounds how long a damaged data dir may keep etcd from becoming ready.
const etcdStartTimeout = 60 * time.Second

// startEtcd starts an embedded single-member etcd with its data in dir, listening on free loopback
// ports. It returns the client URL and the running server; the caller closes it after the apiserver
// has stopped, so the apiserver's last writes land.
func startEtcd(ctx context.Context, dir string) (clientURL string, e *embed.Etcd, err error) {
	clientPort, err := loopback.FreePort()
	if err != nil {
		return "", nil, err
	}
	peerPort, err := loopback.FreePort()
	if err != nil {
		return "", nil, err
	}
	cu := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", clientPort)}
	pu := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", peerPort)}

	cfg := embed.NewConfig()
	cfg.Name = "aksnet"
	cfg.Dir = filepath.Clean(dir)
	cfg.ListenClientUrls = []url.URL{cu}
	cfg.AdvertiseClientUrls = []url.URL{cu}
	// The peer listener is required by embed even for one member; nobody connects to it. On a restart
	// the port differs from the one recorded in the member list, which a single member never dials.
	cfg.ListenPeerUrls = []url.URL{pu}
	cfg.AdvertisePeerUrls = []url.URL{pu}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.LogLevel = "error"
	// Keep the history bounded, as kubeadm does: the apiserver compacts every 5 minutes on its own.
	cfg.AutoCompactionMode = "periodic"
	cfg.AutoCompactionRetention = "1h"
	cfg.QuotaBackendBytes = 2 << 30

	e, err = embed.StartEtcd(cfg)
	if err != nil {
		return "", nil, fmt.Errorf("etcd: start in %s: %w", dir, err)
	}
	select {
	case <-e.Server.ReadyNotify():
		return cu.String(), e, nil
	case err := <-e.Err():
		e.Close()
		return "", nil, fmt.Errorf("etcd: %w", err)
	case <-time.After(etcdStartTimeout):
		e.Close()
		return "", nil, fmt.Errorf("etcd: not ready after %s (is %s damaged?)", etcdStartTimeout, dir)
	case <-ctx.Done():
		e.Close()
		return "", nil, ctx.Err()
	}
}
