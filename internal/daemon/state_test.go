package daemon

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aksnet/aksnet/internal/armtest"
	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/aksnet/aksnet/internal/controlplane"
	"github.com/aksnet/aksnet/internal/statedir"
	bbolt "go.etcd.io/bbolt"
)

// healthyState makes a state dir the way a first start does and stops.
func healthyState(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "state")
	p, err := controlplane.Open(t.Context(), controlplane.Config{StateDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// snapshot reads every file of dir but the lock file, which each start
// rewrites with its pid.
func snapshot(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == statedir.LockFile {
			return err
		}
		raw, err := os.ReadFile(path)
		files[path] = raw
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func sameFiles(t *testing.T, want, got map[string][]byte) {
	t.Helper()
	for p, w := range want {
		if g, ok := got[p]; !ok {
			t.Errorf("%s was removed", p)
		} else if !bytes.Equal(w, g) {
			t.Errorf("%s was modified", p)
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("%s was created", p)
		}
	}
}

// TestMain_DamagedStateIsRefused damages the database of a real state dir
// in each way a disk or an operator can and starts aksnetd on it: it must
// exit 1 with a message naming the file, what is wrong and how to recover,
// and leave every file of the state dir as it was.
func TestMain_DamagedStateIsRefused(t *testing.T) {
	good := healthyState(t)
	db := filepath.Join(good, controlplane.DatabaseFile)
	raw, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	pageSize := int(binary.LittleEndian.Uint32(raw[16+8:]))
	used := int(binary.LittleEndian.Uint64(raw[16+40:])) * pageSize
	// A record to damage: the bootstrap ids, found by their JSON field.
	// Freed pages keep older copies of it, so every copy is damaged.
	recs := allIndexes(raw, []byte(`"subscriptionId"`))
	if len(recs) == 0 {
		t.Fatal("bootstrap record not found")
	}
	cases := []struct {
		name   string
		damage func(dir string)
		want   string
	}{
		{"zero bytes", func(dir string) { truncate(t, dir, 0) }, "the file is empty"},
		{"truncated to 2000 bytes", func(dir string) { truncate(t, dir, 2000) }, "too short"},
		{"truncated after the meta pages", func(dir string) { truncate(t, dir, 2*pageSize) }, "was truncated"},
		{"truncated inside the last used page", func(dir string) { truncate(t, dir, used-pageSize/2) }, "was truncated"},
		{"flipped byte in a record", func(dir string) {
			for _, at := range recs {
				flip(t, dir, at+3)
			}
		}, "fails its checksum"},
		{"flipped byte in a data page header", func(dir string) {
			pages := map[int]bool{}
			for _, at := range recs {
				pages[at/pageSize] = true
			}
			for p := range pages {
				flip(t, dir, p*pageSize+8) // the page's type flags
			}
		}, "type flags"},
		{"meta page 0 zeroed", func(dir string) { zero(t, dir, 0, pageSize) }, "meta page 0 is invalid"},
		{"meta page 1 zeroed", func(dir string) { zero(t, dir, pageSize, pageSize) }, "meta page 1 is invalid"},
		{"newer schema", func(dir string) { setSchema(t, dir, 99) }, "its schema version is 99"},
		{"database missing next to admin.json", func(dir string) {
			if err := os.Remove(filepath.Join(dir, controlplane.DatabaseFile)); err != nil {
				t.Fatal(err)
			}
		}, "is missing, but " + filepath.Join("%DIR%", "admin.json") + " exists"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "state")
			if err := os.CopyFS(dir, os.DirFS(good)); err != nil {
				t.Fatal(err)
			}
			c.damage(dir)
			before := snapshot(t, dir)
			code, out, msg := runBriefly(t, "--state-dir", dir, "--listen", "127.0.0.1:0")
			want := strings.ReplaceAll(c.want, "%DIR%", dir)
			if code != 1 || !strings.Contains(msg, want) {
				t.Fatalf("exit %d, stderr:\n%s\nwant exit 1 and %q", code, msg, want)
			}
			for _, w := range []string{filepath.Join(dir, "aksnet"), "--restore FILE", "--reset-state", "aksnet state backup"} {
				if !strings.Contains(msg, w) {
					t.Errorf("message lacks %q:\n%s", w, msg)
				}
			}
			if strings.Contains(out, "is serving") {
				t.Error("it served")
			}
			sameFiles(t, before, snapshot(t, dir))

			// --reset-state moves the damaged files aside, byte for
			// byte, and starts a new tenant.
			serveUntilReady(t, dir, "--reset-state")
			var aside []string
			for p, b := range snapshot(t, dir) {
				if strings.Contains(p, ".reset-") {
					aside = append(aside, p)
					orig := strings.Split(p, ".reset-")[0]
					if !bytes.Equal(b, before[orig]) {
						t.Errorf("%s differs from the %s it replaced", p, orig)
					}
				}
			}
			if len(aside) == 0 {
				t.Error("--reset-state moved nothing aside")
			}
		})
	}
}

// TestMain_SecondServerIsRefusedAtOnce starts aksnetd on a state dir and then
// a second one on the same dir, which must exit at once naming the first's
// pid (this process's: both run in it).
func TestMain_SecondServerIsRefusedAtOnce(t *testing.T) {
	dir := healthyState(t)
	stop := serve(t, dir)
	defer stop()
	start := time.Now()
	code, _, msg := runBriefly(t, "--state-dir", dir, "--listen", "127.0.0.1:0")
	want := "state directory " + dir + " is in use by aksnetd (pid " + strconv.Itoa(os.Getpid()) + ")"
	if code != 1 || !strings.Contains(msg, want) {
		t.Fatalf("exit %d, stderr %q; want exit 1 and %q", code, msg, want)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("refused after %v, want at once", d)
	}
	// Nor may a restore replace the database under the running server.
	backup := filepath.Join(t.TempDir(), "backup.db")
	raw, _ := os.ReadFile(filepath.Join(dir, controlplane.DatabaseFile))
	if err := os.WriteFile(backup, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)
	code, _, msg = runBriefly(t, "--state-dir", dir, "--listen", "127.0.0.1:0", "--restore", backup)
	if code != 1 || !strings.Contains(msg, want) {
		t.Fatalf("restore while serving: exit %d, stderr %q; want exit 1 and %q", code, msg, want)
	}
	sameFiles(t, before, snapshot(t, dir))
}

func TestMain_RestoreRefusesADamagedBackup(t *testing.T) {
	dir := healthyState(t)
	backup := filepath.Join(t.TempDir(), "backup.db")
	raw, _ := os.ReadFile(filepath.Join(dir, controlplane.DatabaseFile))
	for _, at := range allIndexes(raw, []byte(`"subscriptionId"`)) {
		raw[at+3] ^= 0x40 // every copy of the bootstrap record, live or freed
	}
	if err := os.WriteFile(backup, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)
	code, _, msg := runBriefly(t, "--state-dir", dir, "--listen", "127.0.0.1:0", "--restore", backup)
	if code != 1 || !strings.Contains(msg, "refusing to restore "+backup) || !strings.Contains(msg, "damaged") {
		t.Fatalf("exit %d, stderr %q", code, msg)
	}
	sameFiles(t, before, snapshot(t, dir))
}

// runBriefly runs aksnetd like Main does, but stops it after 10s should it
// start serving, and returns its exit code, stdout and stderr.
func runBriefly(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var out, errw armtest.SyncBuffer
	cmd := NewCommand(&out, &errw)
	cmd.SetArgs(args)
	if err := cmd.ExecuteContext(ctx); err != nil {
		var oe *output.Error
		if !errors.As(err, &oe) {
			t.Fatalf("error %v is not an *output.Error", err)
		}
		return output.HandleError(output.NewLogger(&errw, output.LevelWarning, false), oe), out.String(), errw.String()
	}
	return 0, out.String(), errw.String()
}

func allIndexes(b, sub []byte) []int {
	var at []int
	for off := 0; ; {
		i := bytes.Index(b[off:], sub)
		if i < 0 {
			return at
		}
		at = append(at, off+i)
		off += i + 1
	}
}

// serve runs aksnetd on dir until the returned stop is called.
func serve(t *testing.T, dir string, extra ...string) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	var out, errw armtest.SyncBuffer
	cmd := NewCommand(&out, &errw)
	cmd.SetArgs(append([]string{"--state-dir", dir, "--listen", "127.0.0.1:0", "--log-level", "warn"}, extra...))
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	deadline := time.After(20 * time.Second)
	for !strings.Contains(out.String(), "is serving") {
		select {
		case err := <-done:
			cancel()
			t.Fatalf("aksnetd exited: %v\n%s", err, errw.String())
		case <-deadline:
			cancel()
			t.Fatalf("aksnetd did not serve within 20s:\n%s", errw.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("aksnetd: %v", err)
		}
	}
}

func serveUntilReady(t *testing.T, dir string, extra ...string) { serve(t, dir, extra...)() }

func truncate(t *testing.T, dir string, n int) {
	t.Helper()
	if err := os.Truncate(filepath.Join(dir, controlplane.DatabaseFile), int64(n)); err != nil {
		t.Fatal(err)
	}
}

func flip(t *testing.T, dir string, at int) {
	t.Helper()
	path := filepath.Join(dir, controlplane.DatabaseFile)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	raw[at] ^= 0x40
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
}

func zero(t *testing.T, dir string, at, n int) {
	t.Helper()
	path := filepath.Join(dir, controlplane.DatabaseFile)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	clear(raw[at : at+n])
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
}

// setSchema records schema version v in the database, as a newer aksnet
// would: 8 bytes big endian and their CRC-32C, in the meta bucket.
func setSchema(t *testing.T, dir string, v uint64) {
	t.Helper()
	db, err := bbolt.Open(filepath.Join(dir, controlplane.DatabaseFile), 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var raw [12]byte
	binary.BigEndian.PutUint64(raw[:], v)
	binary.BigEndian.PutUint32(raw[8:], crc32.Checksum(raw[:8], crc32.MakeTable(crc32.Castagnoli)))
	if err := db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte("aksnet-meta")).Put([]byte("schema"), raw[:])
	}); err != nil {
		t.Fatal(err)
	}
}

// TestMain_ForeignAdminCredentialsAreRefused restores one state dir's backup
// into another whose admin.json belongs to a different tenant: the start is
// refused rather than serving a database under another tenant's ids.
func TestMain_ForeignAdminCredentialsAreRefused(t *testing.T) {
	a, b := healthyState(t), healthyState(t)
	code, _, msg := runBriefly(t, "--state-dir", b, "--listen", "127.0.0.1:0", "--restore", filepath.Join(a, controlplane.DatabaseFile))
	if code != 1 || !strings.Contains(msg, filepath.Join(b, "admin.json")+" is for tenant") {
		t.Fatalf("exit %d, stderr %q", code, msg)
	}
}
