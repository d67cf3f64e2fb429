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
	return nil
}
