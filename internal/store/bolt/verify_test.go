package bolt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aksnet/aksnet/internal/store"
	"github.com/google/go-cmp/cmp"
	bbolt "go.etcd.io/bbolt"
)

// healthyDB writes a closed database with enough records to span several
// pages and returns its path and bytes.
func healthyDB(t *testing.T) (string, []byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "aksnet.db")
	s := open(t, path)
	if err := s.Update(context.Background(), func(tx store.Tx) error {
		for i := range 200 {
			tx.Put(fmt.Sprintf("r/doc/%04d", i), []byte(fmt.Sprintf(`{"name":"doc-%04d","pad":%q}`, i, strings.Repeat("x", 200))))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, raw
}

// TestVerify_DamagedFiles damages a healthy database in the ways a disk or
// an operator can, and checks that Open refuses each with ErrDamaged, without
// a panic or a fault, and without modifying the file.
func TestVerify_DamagedFiles(t *testing.T) {
	_, good := healthyDB(t)
	m0, err := parseMeta(good, 0)
	if err != nil {
		t.Fatal(err)
	}
	pageSize := int(m0.pageSize)
	// bbolt grows files ahead of use; only cutting into the pages the meta
	// pages count loses data.
	used := int(m0.pgid) * pageSize
	valueAt := bytes.Index(good, []byte(`"name":"doc-0100"`))
	if valueAt < 0 {
		t.Fatal("record doc-0100 not found in the file")
	}
	cases := []struct {
		name   string
		damage func([]byte) []byte
		want   string
	}{
		{"zero bytes", func([]byte) []byte { return nil }, "empty"},
		{"truncated to 100 bytes", func(b []byte) []byte { return b[:100] }, "too short"},
		{"truncated inside meta page 1", func(b []byte) []byte { return b[:pageSize+40] }, "too short"},
		{"truncated after the meta pages", func(b []byte) []byte { return b[:2*pageSize] }, "truncated"},
		{"truncated by one used page", func(b []byte) []byte { return b[:used-pageSize] }, "truncated"},
		{"truncated by 100 bytes of a used page", func(b []byte) []byte { return b[:used-100] }, "truncated"},
		{"meta page 0 zeroed", func(b []byte) []byte { clear(b[:pageSize]); return b }, "meta page 0"},
		{"meta page 1 zeroed", func(b []byte) []byte { clear(b[pageSize : 2*pageSize]); return b }, "meta page 1"},
		{"flipped byte in a record", func(b []byte) []byte { b[valueAt+10] ^= 0x01; return b }, "checksum"},
		{"flipped byte in a data page header", func(b []byte) []byte {
			p := valueAt / pageSize * pageSize
			b[p+8] ^= 0x40 // the page's type flags
			return b
		}, "page"},
		{"flipped byte in an element offset", func(b []byte) []byte {
			p := valueAt / pageSize * pageSize
			b[p+pageHeaderSize+7] ^= 0x80 // first element's pos, high byte
			return b
		}, "outside its page"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "aksnet.db")
			bad := c.damage(bytes.Clone(good))
			if err := os.WriteFile(path, bad, 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := Open(path, Options{})
			if err == nil {
				s.Close()
				t.Fatal("Open accepted a damaged database")
			}
			if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("err = %v, want ErrDamaged naming %s and mentioning %q", err, path, c.want)
			}
			after, rerr := os.ReadFile(path)
			if rerr != nil || !bytes.Equal(after, bad) {
				t.Errorf("the damaged file was modified by the failed open (%v)", rerr)
			}
		})
	}
}

func TestVerify_NewerSchemaIsRefused(t *testing.T) {
	path, _ := healthyDB(t)
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bbolt.Tx) error { return putSchema(tx, SchemaVersion+1) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before, _ := os.ReadFile(path)
	_, err = Open(path, Options{})
	if !errors.Is(err, ErrNewerSchema) || !strings.Contains(err.Error(), "schema version is 2") {
		t.Fatalf("err = %v, want ErrNewerSchema", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("the file was modified")
	}
}

func TestVerify_CheckRecordRejects(t *testing.T) {
	path, _ := healthyDB(t)
	_, err := Open(path, Options{CheckRecord: func(k string, v []byte) error {
		if k == "r/doc/0042" {
			return errors.New("not a document")
		}
		return nil
	}})
	if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), `"r/doc/0042" cannot be read: not a document`) {
		t.Fatalf("err = %v", err)
	}
}

// TestOpen_MigratesSchema0 writes a database as aksnet did before schema
// versions (bare values, no meta bucket) and checks that Open migrates it:
// every value reads back unchanged, and the file now verifies at the current
// schema with every record checksummed.
func TestOpen_MigratesSchema0(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aksnet.db")
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	if err := db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucket(bucket)
		if err != nil {
			return err
		}
		for i := range 300 {
			k, v := fmt.Sprintf("r/k%04d", i), fmt.Sprintf(`{"i":%d}`, i)
			want[k] = v
			if err := b.Put([]byte(k), []byte(v)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if v, err := Verify(path, nil); err != nil || v != 0 {
		t.Fatalf("Verify(schema 0 file) = %d, %v; want 0, nil", v, err)
	}
	s := open(t, path)
	if diff := cmp.Diff(want, dump(t, s, "")); diff != "" {
		t.Errorf("after migration (-want +got):\n%s", diff)
	}
	s.Close()
	if v, err := Verify(path, nil); err != nil || v != SchemaVersion {
		t.Fatalf("Verify(migrated) = %d, %v; want %d, nil", v, err, SchemaVersion)
	}
}

func TestStore_Backup_IsAVerifiedCopy(t *testing.T) {
	path, _ := healthyDB(t)
	s := open(t, path)
	defer s.Close()
	var buf bytes.Buffer
	n, err := s.Backup(&buf, nil)
	if err != nil || n != int64(buf.Len()) {
		t.Fatalf("Backup = %d, %v (buffer %d)", n, err, buf.Len())
	}
	copyPath := filepath.Join(t.TempDir(), "backup.db")
	if err := os.WriteFile(copyPath, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(copyPath, nil); err != nil {
		t.Fatal(err)
	}
	c := open(t, copyPath)
	defer c.Close()
	if diff := cmp.Diff(dump(t, s, ""), dump(t, c, "")); diff != "" {
		t.Errorf("backup differs (-live +backup):\n%s", diff)
	}
}

// TestOpen_FlippedBytesNeverCrash flips one byte at a time across the whole
// file. Open must answer each with a database or an error: a panic or a
// memory fault kills the test binary.
func TestOpen_FlippedBytesNeverCrash(t *testing.T) {
	_, good := healthyDB(t)
	m0, err := parseMeta(good, 0)
	if err != nil {
		t.Fatal(err)
	}
	used := int(m0.pgid) * int(m0.pageSize) // the rest is slack bbolt grew ahead
	path := filepath.Join(t.TempDir(), "aksnet.db")
	step := 41
	if testing.Short() {
		step = 401
	}
	refused := 0
	for at := 0; at < used; at += step {
		bad := bytes.Clone(good)
		bad[at] ^= 0xA5
		if err := os.WriteFile(path, bad, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := Open(path, Options{})
		if err != nil {
			refused++
			if !errors.Is(err, ErrDamaged) {
				t.Errorf("byte %d: err = %v, want ErrDamaged", at, err)
			}
			continue
		}
		dump(t, s, "")
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if refused == 0 {
		t.Fatal("no flipped byte was detected")
	}
}

// BenchmarkVerify measures the check every start runs, on a database of
// 20,000 records of 1.5 KB (about the size of a VNet document).
func BenchmarkVerify(b *testing.B) {
	path := filepath.Join(b.TempDir(), "aksnet.db")
	s := open(b, path)
	val := []byte(`{"pad":"` + strings.Repeat("x", 1500) + `"}`)
	for batch := range 20 {
		if err := s.Update(context.Background(), func(tx store.Tx) error {
			for i := range 1000 {
				tx.Put(fmt.Sprintf("r/doc/%02d/%04d", batch, i), val)
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Verify(path, func(string, []byte) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}
