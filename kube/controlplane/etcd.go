package controlplane

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/aksnet/aksnet/internal/loopback"
)

// etcdStartTimeout bounds how long a damaged data dir may keep etcd from becoming ready.
const etcdStartTimeout = 60 * time.Second

// startEtcd starts an embedded single-member etcd with its data in dataDir's EtcdDir, listening on
// free loopback ports, and marks the data dir initialised once it is ready. It returns the client
// URL and the running server; the caller closes it after the apiserver has stopped, so the
// apiserver's last writes land. Existing data that etcd cannot start on is a *DataError.
func startEtcd(ctx context.Context, dataDir string) (clientURL string, e *embed.Etcd, err error) {
	dir := filepath.Join(dataDir, EtcdDir)
	_, statErr := os.Stat(filepath.Join(dir, "member"))
	existed := statErr == nil
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
	// etcd ends the process (zap's Fatal) or panics on data it cannot read while it starts. Its
	// Fatal logs panic instead, and the start recovers both, so that damaged data is reported as
	// a *DataError (with the last error etcd logged) rather than as a bare exit.
	last := &lastError{}
	lg, err := zap.NewProductionConfig().Build(zap.IncreaseLevel(zapcore.ErrorLevel), zap.WithFatalHook(zapcore.WriteThenPanic),
		zap.WrapCore(func(c zapcore.Core) zapcore.Core { return &lastErrorCore{Core: c, last: last} }))
	if err != nil {
		return "", nil, fmt.Errorf("etcd: logger: %w", err)
	}
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(lg)
	// Keep the history bounded, as kubeadm does: the apiserver compacts every 5 minutes on its own.
	cfg.AutoCompactionMode = "periodic"
	cfg.AutoCompactionRetention = "1h"
	cfg.QuotaBackendBytes = 2 << 30

	e, err = startRecovered(cfg)
	if err != nil {
		if existed {
			return "", nil, &DataError{Etcd: dir, Marker: filepath.Join(dataDir, InitializedFile), Err: last.wrap(err)}
		}
		return "", nil, fmt.Errorf("etcd: start in %s: %w", dir, last.wrap(err))
	}
	select {
	case <-e.Server.ReadyNotify():
		if err := markInitialized(dataDir); err != nil {
			e.Close()
			return "", nil, err
		}
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

// startRecovered is embed.StartEtcd with a panic (etcd's, or its Fatal log's) returned as an error.
func startRecovered(cfg *embed.Config) (e *embed.Etcd, err error) {
	defer func() {
		if r := recover(); r != nil {
			e, err = nil, fmt.Errorf("etcd failed to start: %v", r)
		}
	}()
	return embed.StartEtcd(cfg)
}

// lastError keeps the last error-level entry etcd logged, to name what it could not read.
type lastError struct {
	mu  sync.Mutex
	msg string
}

// wrap adds the last logged error to err.
func (l *lastError) wrap(err error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.msg == "":
		return err
	case strings.HasSuffix(l.msg, ": "+err.Error()):
		// etcd logged the error it returns, with its context: keep the context only once.
		return fmt.Errorf("%s: %w", strings.TrimSuffix(l.msg, ": "+err.Error()), err)
	}
	return fmt.Errorf("%w: %s", err, l.msg)
}

// lastErrorCore records error-level entries (their message and error field) in last.
type lastErrorCore struct {
	zapcore.Core
	last *lastError
}

func (c *lastErrorCore) With(fields []zapcore.Field) zapcore.Core {
	return &lastErrorCore{Core: c.Core.With(fields), last: c.last}
}

func (c *lastErrorCore) Check(ent zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(ent.Level) {
		return ce.AddCore(ent, c)
	}
	return ce
}

func (c *lastErrorCore) Write(ent zapcore.Entry, fields []zapcore.Field) error {
	if ent.Level >= zapcore.ErrorLevel {
		msg := ent.Message
		for _, f := range fields {
			if err, ok := f.Interface.(error); ok && f.Type == zapcore.ErrorType {
				msg += ": " + err.Error()
			} else if f.Key == "path" && f.Type == zapcore.StringType {
				msg += " (" + f.String + ")"
			}
		}
		c.last.mu.Lock()
		c.last.msg = msg
		c.last.mu.Unlock()
	}
	return c.Core.Write(ent, fields)
}
