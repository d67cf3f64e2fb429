package dataplane

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// Plane realises a Desired data plane.
type Plane interface {
	// Set makes the data plane exactly d. It is idempotent: calling it
	// again with the same d changes nothing. On error, what could be applied
	// is applied and the error lists what could not.
	Set(ctx context.Context, d Desired) error
	// Update makes the data plane d as Set does, but reads back and
	// changes only the namespaces whose desired state changed since they
	// last converged, those that are missing or whose peers were
	// re-created, and a rotating share of the rest (1/ResyncSpread of
	// them), which repairs drift over ResyncSpread calls.
	Update(ctx context.Context, d Desired) error
	// Close stops the workloads this process runs and releases handles. The
	// namespaces stay, for the next process to adopt; Cleanup removes them.
	Close() error
}

// Options configure a Plane.
type Options struct {
	// Prefix starts every namespace name (default DefaultPrefix). It must
	// start with "aksnet"; tests use a unique prefix each.
	Prefix string
	// Workers is the number of namespaces configured at once (default 8).
	Workers int
	Logger  *slog.Logger
	// ResyncSpread is over how many Update calls every namespace is read
	// back once when nothing changes (default 30: with a pass a second,
	// drift is repaired within 30 s). 1 reads every namespace every time.
	ResyncSpread int
}

func (o *Options) fill() error {
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if !strings.HasPrefix(o.Prefix, "aksnet") {
		return fmt.Errorf("dataplane: namespace prefix %q must start with \"aksnet\"", o.Prefix)
	}
	if o.Workers <= 0 {
		o.Workers = 8
	}
	if o.ResyncSpread <= 0 {
		o.ResyncSpread = 30
	}
	return nil
}
