package controlplane

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	"go.etcd.io/etcd/server/v3/storage/wal"
	"go.uber.org/zap"
)

// Layout of a data dir's etcd part. etcd keeps its state in <etcd>/member: the bolt database
// snap/db and the write-ahead log wal/*.wal.
const (
	// EtcdDir is etcd's directory in the data dir.
	EtcdDir = "etcd"
	// InitializedFile is created in the data dir (beside etcd's directory, not in it) once etcd
	// has started on the data dir. From then on, etcd data that is missing is an error, never a
	// reason to start an empty store: that would drop every Kubernetes object of the cluster
	// without a word.
	InitializedFile = "etcd.initialized"
)

// DataError says that the etcd data of a control plane is missing or damaged. The control plane
// must not start on it: etcd would either start empty over it or fail, and either way the
// cluster's objects are at stake. Nothing has been changed in the data dir.
type DataError struct {
	// Etcd is the etcd directory; Marker the InitializedFile.
	Etcd, Marker string
	// Missing is true when the etcd data is gone although the control plane ran before.
	Missing bool
	// Err is what is wrong with it.
	Err error
}

// Error is one line: the path, what is wrong, and how to recover.
func (e *DataError) Error() string {
	var msg string
	if e.Missing {
		msg = fmt.Sprintf("the etcd data %s of this cluster's Kubernetes control plane is missing (%v), although it has run before (%s exists); "+
			"refusing to start an empty one in its place. To recover, restore %s from a backup, or remove %s to start an empty control plane (its Kubernetes objects are lost)",
			e.Etcd, e.Err, e.Marker, e.Etcd, e.Marker)
	} else {
		msg = fmt.Sprintf("the etcd data %s of this cluster's Kubernetes control plane is damaged (%v); it was left untouched. "+
			"To recover, restore %s from a backup, or move it away and remove %s to start an empty control plane (its Kubernetes objects are lost)",
			e.Etcd, e.Err, e.Etcd, e.Marker)
	}
	return strings.Join(strings.Fields(msg), " ") // one line, whatever the wrapped error holds
}

func (e *DataError) Unwrap() error { return e.Err }

// boltOpenTimeout bounds the wait for the database's file lock (another process on the same
// data dir holds it).
const boltOpenTimeout = 2 * time.Second

// CheckData tells whether dataDir's etcd data may be started on, without changing anything in it:
//   - no etcd data and no InitializedFile: a new control plane, etcd creates its data (nil);
//   - InitializedFile but no etcd data (the directory, its member directory, database or WAL
//     gone): a *DataError with Missing set;
//   - etcd data whose database does not open read-only, is empty or shorter than its own meta
//     page says, or whose WAL is gone or has a record that fails its checksum: a *DataError,
//     marker or not (the data exists, so it is never started over);
//   - otherwise nil. Damage this cannot see makes etcd fail at start, which startEtcd turns
//     into a *DataError too.
func CheckData(dataDir string) error {
	etcd := filepath.Join(dataDir, EtcdDir)
	marker := filepath.Join(dataDir, InitializedFile)
	initialized := true
	if _, err := os.Stat(marker); errors.Is(err, fs.ErrNotExist) {
		initialized = false
	} else if err != nil {
		return &DataError{Etcd: etcd, Marker: marker, Err: err}
	}
	member := filepath.Join(etcd, "member")
	if _, err := os.Stat(member); errors.Is(err, fs.ErrNotExist) {
		if initialized {
			return &DataError{Etcd: etcd, Marker: marker, Missing: true, Err: fmt.Errorf("no %s", member)}
		}
		return nil // a new control plane; or one stopped before etcd created its member directory
	} else if err != nil {
		return &DataError{Etcd: etcd, Marker: marker, Err: err}
	}
	damaged := func(err error) error {
		return &DataError{Etcd: etcd, Marker: marker, Missing: initialized && errors.Is(err, fs.ErrNotExist), Err: err}
	}
	wals, err := filepath.Glob(filepath.Join(member, "wal", "*.wal"))
	if err != nil {
		return damaged(err)
	}
	if len(wals) == 0 {
		return damaged(fmt.Errorf("no write-ahead log in %s: %w", filepath.Join(member, "wal"), fs.ErrNotExist))
	}
	if err := checkBolt(filepath.Join(member, "snap", "db"), damaged); err != nil {
		return err
	}
	if err := checkWAL(filepath.Join(member, "wal")); err != nil {
		return damaged(err)
	}
	return nil
}

// checkWAL reads the write-ahead log through, read-only, checking every record's checksum: etcd
// opens its database for writing before it reads the log, so a log it would refuse must be found
// first. A torn last record (a crash mid-write) is not damage: etcd repairs it at start.
func checkWAL(dir string) (err error) {
	defer func() {
		if r := recover(); r != nil { // a record that passes its checksum yet does not decode
			err = fmt.Errorf("read the write-ahead log in %s: %v", dir, r)
		}
	}()
	if _, err := wal.ValidSnapshotEntries(zap.NewNop(), dir); err != nil {
		return fmt.Errorf("read the write-ahead log in %s: %w", dir, err)
	}
	return nil
}

// checkBolt opens etcd's database read-only and checks that the file holds every page its meta
// page counts (a truncated file would fault when etcd maps the missing pages).
func checkBolt(path string, damaged func(error) error) error {
	st, err := os.Stat(path)
	if err != nil {
		return damaged(err)
	}
	if st.Size() == 0 {
		// etcd would initialise an empty file as a new, empty database.
		return damaged(fmt.Errorf("%s is empty", path))
	}
	db, err := bolt.Open(path, 0, &bolt.Options{ReadOnly: true, Timeout: boltOpenTimeout})
	if err != nil {
		return damaged(fmt.Errorf("open %s: %w", path, err))
	}
	defer db.Close()
	return db.View(func(tx *bolt.Tx) error {
		if need := tx.Size(); need > st.Size() {
			return damaged(fmt.Errorf("%s is %d bytes, its pages need %d: truncated", path, st.Size(), need))
		}
		if err := tx.ForEach(func([]byte, *bolt.Bucket) error { return nil }); err != nil {
			return damaged(fmt.Errorf("read %s: %w", path, err))
		}
		return nil
	})
}

// markInitialized records that etcd has started on dataDir (InitializedFile), once.
func markInitialized(dataDir string) error {
	marker := filepath.Join(dataDir, InitializedFile)
	if _, err := os.Stat(marker); err == nil {
		return nil
	}
	f, err := os.OpenFile(marker, os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("etcd: mark %s initialised: %w", dataDir, err)
	}
	if _, err := f.WriteString("etcd started on this data dir; its data must not go missing\n"); err != nil {
		f.Close()
		return fmt.Errorf("etcd: mark %s initialised: %w", dataDir, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("etcd: mark %s initialised: %w", dataDir, err)
	}
	return f.Close()
}
