package controlplane

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aksnet/aksnet/internal/pki"
	"github.com/aksnet/aksnet/internal/statedir"
	"github.com/aksnet/aksnet/internal/store/bolt"
)

// DatabaseFile is the state database's name in the state dir.
const DatabaseFile = "aksnet.db"

// jsonKinds are the key prefixes whose values are JSON documents; every
// other kind holds a plain string (an id, an owner, a name).
var jsonKinds = []string{"r/", "o/", "m/", "d/sp/", "d/application/", "d/role/", "cs/", "u/"}

// checkRecord reports a stored value that its kind cannot read. Open runs
// it over every record before anything is served.
func checkRecord(key string, value []byte) error {
	for _, p := range jsonKinds {
		if strings.HasPrefix(key, p) {
			if !json.Valid(value) {
				return errors.New("not a JSON document")
			}
			return nil
		}
	}
	if !utf8.Valid(value) {
		return errors.New("not UTF-8 text")
	}
	return nil
}

// recoveryHint tells how to get out of a refused start.
func recoveryHint(dir string) string {
	return fmt.Sprintf("aksnetd has not used or changed it. To recover, restore a backup (made with 'aksnet state backup FILE'):\n"+
		"  aksnetd --state-dir %s --restore FILE\n"+
		"or start fresh, with a new tenant and admin (the old database and admin.json are moved aside, not deleted):\n"+
		"  aksnetd --state-dir %s --reset-state", dir, dir)
}

// openDatabase opens the state database, refusing damaged state and, unless
// reset is set, refusing to start a new tenant over existing state. The
// caller holds the state directory lock.
func openDatabase(dir string, reset bool) (*bolt.Store, error) {
	path := filepath.Join(dir, DatabaseFile)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) && !reset {
		// Without a database, the credentials or CA of an earlier start
		// mean the database was lost, not that this is a first start:
		// bootstrapping would mint a new tenant and overwrite admin.json.
		for _, f := range []string{statedir.CredentialsFile, pki.CAFile} {
			if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
				return nil, fmt.Errorf("state database %s is missing, but %s exists: this state directory was used before and its database is gone.\n%s",
					path, filepath.Join(dir, f), recoveryHint(dir))
			}
		}
	}
	db, err := bolt.Open(path, bolt.Options{CheckRecord: checkRecord})
	switch {
	case errors.Is(err, bolt.ErrDamaged):
		return nil, fmt.Errorf("refusing to start: %w.\n%s", err, recoveryHint(dir))
	case errors.Is(err, bolt.ErrNewerSchema):
		return nil, fmt.Errorf("refusing to start: %w.\nRun that newer aksnetd; %s", err, recoveryHint(dir))
	case err != nil:
		return nil, err
	}
	return db, nil
}

// moveAside renames dir/name to dir/name.<what>-<UTC time> when it exists,
// and returns the new path ("" when there was nothing to move).
func moveAside(dir, name, what string, now time.Time) (string, error) {
	from := filepath.Join(dir, name)
	to := fmt.Sprintf("%s.%s-%s", from, what, now.UTC().Format("20060102T150405Z"))
	if err := os.Rename(from, to); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", nil
		}
		return "", fmt.Errorf("move %s aside: %w", from, err)
	}
	return to, nil
}

// resetState moves the database and the admin credentials aside so that
// the next open starts a new tenant. The CA and keys stay: clients keep
// trusting the server.
func resetState(dir string, log *slog.Logger) error {
	now := time.Now()
	for _, name := range []string{DatabaseFile, statedir.CredentialsFile} {
		to, err := moveAside(dir, name, "reset", now)
		if err != nil {
			return err
		}
		if to != "" {
			log.Warn("state reset: moved aside", "file", filepath.Join(dir, name), "to", to)
		}
	}
	return syncDir(dir)
}

// restoreDatabase replaces the state database with the backup at src, after
// checking src as thoroughly as a start checks the database. The previous
// database is kept beside it.
func restoreDatabase(dir, src string, log *slog.Logger) error {
	if _, err := bolt.Verify(src, checkRecord); err != nil {
		return fmt.Errorf("refusing to restore %s: %w", src, err)
	}
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer in.Close()
	tmp, err := os.CreateTemp(dir, DatabaseFile+".restore-*")
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename below this removes nothing
	if _, err := io.Copy(tmp, in); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("restore: copy %s: %w", src, err)
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("restore: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	// The copy must verify too: src may have changed while it was read.
	if _, err := bolt.Verify(tmp.Name(), checkRecord); err != nil {
		return fmt.Errorf("refusing to restore %s: the copy does not verify: %w", src, err)
	}
	prev, err := moveAside(dir, DatabaseFile, "pre-restore", time.Now())
	if err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, DatabaseFile)); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	log.Warn("restored the state database", "from", src, "previous", prev)
	return syncDir(dir)
}

// syncDir makes renames in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
