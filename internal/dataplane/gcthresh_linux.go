//go:build linux

package dataplane

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
)

// The host's neighbour table is shared by every namespace, and its
// garbage-collection thresholds (gc_thresh1..3, in the host's namespace)
// overflow around 400 nodes. The data plane raises them when a world needs
// more entries than half of gc_thresh3 and restores them when the last
// plane that raised them closes. The original values are also kept in
// gcSaveFile, so that `--cleanup` after a crash can restore them.

const gcSaveFile = "/run/aksnet-neigh-gc-thresh"

var gcKeys = [3]string{
	"net/ipv4/neigh/default/gc_thresh1",
	"net/ipv4/neigh/default/gc_thresh2",
	"net/ipv4/neigh/default/gc_thresh3",
}

var gcState struct {
	mu      sync.Mutex
	holders int
	orig    [3]int
}

func readGC() ([3]int, error) {
	var v [3]int
	for i, k := range gcKeys {
		s, err := readSysctl(k)
		if err != nil {
			return v, err
		}
		if v[i], err = strconv.Atoi(s); err != nil {
			return v, fmt.Errorf("%s: %w", k, err)
		}
	}
	return v, nil
}

func writeGC(v [3]int) error {
	// Raise from the top down and lower from the bottom up, so that
	// thresh1 <= thresh2 <= thresh3 holds at every step.
	cur, _ := readGC()
	order := []int{2, 1, 0}
	if v[2] < cur[2] {
		order = []int{0, 1, 2}
	}
	var errs []error
	for _, i := range order {
		if err := writeSysctl(gcKeys[i], strconv.Itoa(v[i])); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// EnsureNeighbours raises the thresholds when n entries would pass half of
// gc_thresh3.
func (k *linuxKernel) EnsureNeighbours(n int) error {
	gcState.mu.Lock()
	defer gcState.mu.Unlock()
	cur, err := readGC()
	if err != nil {
		return err
	}
	if 2*n <= cur[2] {
		return nil
	}
	if gcState.holders == 0 {
		gcState.orig = cur
		if saved, err := os.ReadFile(gcSaveFile); err == nil {
			// A crashed process raised them: its saved values are the
			// host's.
			if v, ok := parseGC(string(saved)); ok {
				gcState.orig = v
			}
		} else if err := os.WriteFile(gcSaveFile, []byte(formatGC(cur)), 0o600); err != nil {
			return err
		}
	}
	if !k.raised {
		k.raised = true
		gcState.holders++
	}
	want := [3]int{max(cur[0], n), max(cur[1], 2*n), max(cur[2], 4*n)}
	return writeGC(want)
}

// releaseNeighbours drops this plane's hold on raised thresholds, restoring
// the host's values when it was the last.
func (k *linuxKernel) releaseNeighbours() error {
	gcState.mu.Lock()
	defer gcState.mu.Unlock()
	if !k.raised {
		return nil
	}
	k.raised = false
	gcState.holders--
	if gcState.holders > 0 {
		return nil
	}
	err := writeGC(gcState.orig)
	if err == nil {
		_ = os.Remove(gcSaveFile)
	}
	return err
}

// restoreNeighboursFromFile restores thresholds saved by a process that did
// not restore them.
func restoreNeighboursFromFile() error {
	gcState.mu.Lock()
	defer gcState.mu.Unlock()
	if gcState.holders > 0 {
		return nil
	}
	saved, err := os.ReadFile(gcSaveFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	v, ok := parseGC(string(saved))
	if !ok {
		return fmt.Errorf("%s: malformed", gcSaveFile)
	}
	if err := writeGC(v); err != nil {
		return err
	}
	return os.Remove(gcSaveFile)
}

func formatGC(v [3]int) string { return fmt.Sprintf("%d %d %d\n", v[0], v[1], v[2]) }

func parseGC(s string) ([3]int, bool) {
	var v [3]int
	f := strings.Fields(s)
	if len(f) != 3 {
		return v, false
	}
	for i := range f {
		n, err := strconv.Atoi(f[i])
		if err != nil {
			return v, false
		}
		v[i] = n
	}
	return v, true
}
