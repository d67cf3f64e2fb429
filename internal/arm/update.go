package arm

import (
	"context"

	"github.com/aksnet/aksnet/internal/store"
)

// update runs fn in a store transaction bound to c, then the call's
// after-commit hooks.
func (s *Server) update(ctx context.Context, c *Call, fn func(store.Tx) error) error {
	return s.updateCall(ctx, c, fn, false)
}

// updateCall is update; with optimistic set and a store that supports it,
// fn and the kind's hooks run outside the store's serial commit section (see
// store.Optimistic). fn may then run twice, so it must assign, not
// accumulate, whatever it hands back; c itself starts each run as it was
// before the first.
func (s *Server) updateCall(ctx context.Context, c *Call, fn func(store.Tx) error, optimistic bool) error {
	run := func(tx store.Tx) error {
		c.Tx, c.R, c.fx = tx, tx, &effects{}
		c.deferred = &deferredWork{pending: map[string]bool{}}
		if err := fn(tx); err != nil {
			return err
		}
		return c.runDeferred()
	}
	var err error
	if opt, ok := s.store.(store.Optimistic); ok && optimistic {
		start := *c
		err = opt.UpdateOptimistic(ctx, func(tx store.Tx) error {
			*c = start
			return run(tx)
		})
	} else {
		err = s.store.Update(ctx, run)
	}
	if err != nil {
		return err
	}
	for _, f := range c.effects().after {
		f()
	}
	s.notify(c.effects().changed)
	return nil
}

// Watch registers fn to be called, after each committed write, with the ids
// of the resources the write stored or deleted. Controllers use it to
// converge; fn must not block.
func (s *Server) Watch(fn func(ids []string)) {
	s.watchMu.Lock()
	s.watchers = append(s.watchers, fn)
	s.watchMu.Unlock()
}

func (s *Server) notify(ids []string) {
	if len(ids) == 0 {
		return
	}
	s.watchMu.Lock()
	ws := s.watchers
	s.watchMu.Unlock()
	for _, w := range ws {
		w(ids)
	}
}

// Update runs fn in a write transaction outside any HTTP request — for
// controllers and bootstrap — with the same watch notifications as requests.
func (s *Server) Update(ctx context.Context, fn func(c *Call) error) error {
	c := &Call{Ctx: ctx, Server: s, Caller: &Caller{}}
	return s.update(ctx, c, func(store.Tx) error { return fn(c) })
}

// View runs fn with a read-only Call.
func (s *Server) View(fn func(c *Call) error) error {
	return s.store.View(func(r store.Reader) error {
		return fn(&Call{Ctx: context.Background(), Server: s, R: r})
	})
}
