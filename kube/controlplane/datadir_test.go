package controlplane

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// initializedDataDir starts etcd on a new data dir as the control plane does, stops it, and
// returns the dir: real etcd data and the marker.
func initializedDataDir(t *testing.T) string {
	t.Helper()
	data := t.TempDir()
	if err := CheckData(data); err != nil {
		t.Fatalf("a new data dir: %v", err)
	}
	_, e, err := startEtcd(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	e.Close()
	if _, err := os.Stat(filepath.Join(data, InitializedFile)); err != nil {
		t.Fatalf("no marker after etcd started: %v", err)
	}
	return data
}

// digest maps every file under dir to its content's hash.
func digest(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	sums := map[string][32]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		sums[p] = sha256.Sum256(b)
		return err
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return sums
}

func TestCheckData(t *testing.T) {
	good := initializedDataDir(t)
	if err := CheckData(good); err != nil {
		t.Fatalf("healthy data with its marker: %v", err)
	}
	db := func(d string) string { return filepath.Join(d, EtcdDir, "member", "snap", "db") }
	truncate := func(size int64) func(*testing.T, string) {
		return func(t *testing.T, d string) {
			if err := os.Truncate(db(d), size); err != nil {
				t.Fatal(err)
			}
		}
	}
	remove := func(rel ...string) func(*testing.T, string) {
		return func(t *testing.T, d string) {
			if err := os.RemoveAll(filepath.Join(append([]string{d}, rel...)...)); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		name   string
		damage func(*testing.T, string)
		// want is "" for no error, else "missing" or "damaged", and the words the message must hold.
		want  string
		words []string
	}{
		{"healthy", func(*testing.T, string) {}, "", nil},
		{"healthy data without a marker (a data dir from before the marker)", remove(InitializedFile), "", nil},
		{"etcd directory deleted", remove(EtcdDir), "missing", []string{"has run before", "etcd.initialized exists", "restore", "remove"}},
		{"member directory deleted", remove(EtcdDir, "member"), "missing", []string{"member"}},
		{"database deleted", remove(EtcdDir, "member", "snap", "db"), "missing", []string{"db"}},
		{"write-ahead log deleted", remove(EtcdDir, "member", "wal"), "missing", []string{"write-ahead log"}},
		{"database truncated", truncate(3 * 4096), "damaged", []string{"truncated", "left untouched", "move it away"}},
		{"database emptied", truncate(0), "damaged", []string{"is empty"}},
		{"database shorter than its meta pages", truncate(100), "damaged", []string{"invalid database"}},
		{"database overwritten", func(t *testing.T, d string) {
			if err := os.WriteFile(db(d), make([]byte, 64<<10), 0o600); err != nil {
				t.Fatal(err)
			}
		}, "damaged", []string{"invalid"}},
		{"damaged database without a marker: the data exists, it is not started over", func(t *testing.T, d string) {
			remove(InitializedFile)(t, d)
			truncate(3*4096)(t, d)
		}, "damaged", []string{"truncated"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := filepath.Join(t.TempDir(), "data")
			if err := os.CopyFS(d, os.DirFS(good)); err != nil {
				t.Fatal(err)
			}
			tt.damage(t, d)
			before := digest(t, d)
			err := CheckData(d)
			if after := digest(t, d); len(after) != len(before) {
				t.Errorf("CheckData changed the data dir: %d files before, %d after", len(before), len(after))
			} else {
				for p, sum := range before {
					if after[p] != sum {
						t.Errorf("CheckData changed %s", p)
					}
				}
			}
			if tt.want == "" {
				if err != nil {
					t.Fatalf("CheckData: %v, want nil", err)
				}
				return
			}
			de, ok := errors.AsType[*DataError](err)
			if !ok {
				t.Fatalf("CheckData: %v, want a *DataError", err)
			}
			msg := de.Error()
			if de.Missing != (tt.want == "missing") || !strings.Contains(msg, " is "+tt.want+" ") {
				t.Errorf("CheckData: Missing=%t, %q; want it %s", de.Missing, msg, tt.want)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("the message is not one line: %q", msg)
			}
			for _, w := range append([]string{filepath.Join(d, EtcdDir), "Kubernetes objects are lost"}, tt.words...) {
				if !strings.Contains(msg, w) {
					t.Errorf("the message lacks %q: %s", w, msg)
				}
			}
		})
	}
}

// TestStartEtcdKeepsData checks that etcd starts again on its data, and that an etcd directory
// deleted under a marked data dir is refused by the control plane's check instead of started
// empty.
func TestStartEtcdKeepsData(t *testing.T) {
	data := initializedDataDir(t)
	_, e, err := startEtcd(context.Background(), data)
	if err != nil {
		t.Fatalf("second start on the same data: %v", err)
	}
	e.Close()
	if err := os.RemoveAll(filepath.Join(data, EtcdDir)); err != nil {
		t.Fatal(err)
	}
	if err := Run(context.Background(), Config{DataDir: data, SecurePort: 1, ServiceCIDR: netip.MustParsePrefix("10.0.0.0/16"), ClusterName: "c"},
		nil); !errors.As(err, new(*DataError)) {
		t.Fatalf("Run on a marked data dir without etcd data: %v, want a *DataError", err)
	}
	if _, err := os.Stat(filepath.Join(data, EtcdDir)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Run created %s: %v", filepath.Join(data, EtcdDir), err)
	}
}

// TestDamagedWAL: a record of the write-ahead log whose checksum no longer matches is found by
// CheckData, before etcd, which opens its database for writing before it reads the log, could
// change anything; etcd refuses it too (startEtcd's *DataError).
func TestDamagedWAL(t *testing.T) {
	data := initializedDataDir(t)
	wals, err := filepath.Glob(filepath.Join(data, EtcdDir, "member", "wal", "*.wal"))
	if err != nil || len(wals) == 0 {
		t.Fatalf("no WAL: %v", err)
	}
	b, err := os.ReadFile(wals[0])
	if err != nil {
		t.Fatal(err)
	}
	// Flip the last byte of the second record (the metadata record, whose
	// data its CRC covers). A fixed offset could land past the records
	// written so far, in the preallocated zeros, which read as a torn tail.
	off := 0
	for i := 0; i < 2; i++ {
		if off+8 > len(b) {
			t.Fatalf("WAL too short for two records")
		}
		n := int(binary.LittleEndian.Uint64(b[off:]) &^ (uint64(0xff) << 56))
		pad := 0
		if lf := binary.LittleEndian.Uint64(b[off:]); lf&(uint64(0x80)<<56) != 0 {
			pad = int((lf >> 56) & 0x7)
		}
		if i == 1 {
			b[off+8+n-1] ^= 0xff
			break
		}
		off += 8 + n + pad
	}
	if err := os.WriteFile(wals[0], b, 0o600); err != nil {
		t.Fatal(err)
	}
	before := digest(t, data)
	err = CheckData(data)
	if de, ok := errors.AsType[*DataError](err); !ok || de.Missing || !strings.Contains(err.Error(), "crc mismatch") {
		t.Fatalf("CheckData on a damaged WAL: %v; want a *DataError naming the crc mismatch", err)
	}
	for p, sum := range digest(t, data) {
		if before[p] != sum {
			t.Errorf("CheckData changed %s", p)
		}
	}
	_, e, err := startEtcd(context.Background(), data)
	if e != nil {
		e.Close()
	}
	if de, ok := errors.AsType[*DataError](err); !ok || de.Missing || strings.Count(err.Error(), "crc mismatch") != 1 {
		t.Fatalf("startEtcd on a damaged WAL: %v; want a *DataError naming the crc mismatch once", err)
	}
}
