//go:build unix

package statedir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// LockFile is the file in the state dir that the running aksnetd holds an
// exclusive flock(2) on, and in which it writes its pid.
const LockFile = "aksnetd.pid"

// InUseError is Lock's error when another process holds the lock.
type InUseError struct {
	Dir string
	PID int // 0 when the holder's pid could not be read
}

func (e *InUseError) Error() string {
	holder := "pid unknown"
	if e.PID > 0 {
		holder = fmt.Sprintf("pid %d", e.PID)
	}
	return fmt.Sprintf("state directory %s is in use by aksnetd (%s); stop it first, or use another --state-dir", e.Dir, holder)
}

// DirLock is a held state directory lock.
type DirLock struct{ f *os.File }

// Lock takes the exclusive lock of state dir dir without waiting, and
// records the caller's pid in it. When another process holds it, the error
// is an *InUseError naming that process's pid. The kernel drops the lock
// when the process exits, however it exits, so a crash never leaves the
// directory locked.
func Lock(dir string) (*DirLock, error) {
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock state directory: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		raw := make([]byte, 32)
		n, _ := f.ReadAt(raw, 0)
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			pid, _ := strconv.Atoi(strings.TrimSpace(string(raw[:n])))
			return nil, &InUseError{Dir: dir, PID: pid}
		}
		return nil, fmt.Errorf("lock state directory %s: %w", dir, err)
	}
	// The pid is written only once the lock is held, so a reader that sees
	// the lock taken may at worst read an empty file, never a stranger's pid.
	err = f.Truncate(0)
	if err == nil {
		_, err = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return &DirLock{f: f}, nil
}

// Unlock clears the pid and releases the lock.
func (l *DirLock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	_ = l.f.Truncate(0)
	err := l.f.Close()
	l.f = nil
	return err
}
