package bolt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"runtime/debug"
	"time"

	bbolt "go.etcd.io/bbolt"
)

// ErrDamaged is wrapped by every error that reports a database file as
// unusable: empty, truncated, or with a damaged page or record.
var ErrDamaged = errors.New("database is damaged")

// ErrNewerSchema is wrapped by the error for a database written by a newer
// aksnet than this one.
var ErrNewerSchema = errors.New("database was written by a newer aksnet")

func damaged(path, format string, args ...any) error {
	return fmt.Errorf("%s: %w: %s", path, ErrDamaged, fmt.Sprintf(format, args...))
}

// Verify checks the database file at path without modifying it and returns
// its schema version. It checks, in order:
//
//   - the file's size and both meta pages (magic, version, checksum), and that
//     the file holds every page the meta pages count;
//   - the page tree, read with plain file reads: every page number in range,
//     every page of the expected type, every element inside its page;
//   - bbolt's own consistency check (Tx.Check);
//   - the schema version, which must not be newer than SchemaVersion;
//   - every record: its header, its checksum and, when check is set, that its
//     kind can read it.
//
// The first two steps run before bbolt maps the file: bbolt trusts page
// numbers, and following a damaged one into a truncated mapping raises SIGBUS
// or SIGSEGV, which recover cannot catch. Once they pass, every page bbolt
// reaches lies inside the file.
func Verify(path string, check func(key string, value []byte) error) (uint64, error) {
	if err := preflight(path); err != nil {
		return 0, err
	}
	return verifyContents(path, check)
}

// verifyContents opens the file read-only with bbolt and runs the checks
// that need it. A panic, or a memory fault turned into one, is reported as
// damage rather than taking the process down.
func verifyContents(path string, check func(key string, value []byte) error) (version uint64, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if p := recover(); p != nil {
			err = damaged(path, "reading it failed: %v", p)
		}
	}()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return 0, damaged(path, "bbolt cannot open it: %v", err)
	}
	defer db.Close()
	err = db.View(func(tx *bbolt.Tx) error {
		var problems []error
		for e := range tx.Check() {
			if len(problems) < 5 {
				problems = append(problems, e)
			}
		}
		if len(problems) > 0 {
			return damaged(path, "bbolt consistency check: %v", errors.Join(problems...))
		}
		v, err := storedSchema(tx)
		if err != nil {
			return damaged(path, "%v", err)
		}
		if v > SchemaVersion {
			return fmt.Errorf("%s: %w: its schema version is %d, this aksnet reads versions up to %d", path, ErrNewerSchema, v, SchemaVersion)
		}
		version = v
		b := tx.Bucket(bucket)
		if b == nil {
			if v > 0 {
				return damaged(path, "the data bucket %q is missing", bucket)
			}
			return nil
		}
		return b.ForEach(func(k, rec []byte) error {
			if rec == nil {
				return damaged(path, "key %q is a nested bucket", k)
			}
			value := rec
			if v > 0 {
				if err := checkRecord(k, rec); err != nil {
					return damaged(path, "%v", err)
				}
				value = recordValue(rec)
			}
			if check != nil {
				if err := check(string(k), value); err != nil {
					return damaged(path, "record %q cannot be read: %v", k, err)
				}
			}
			return nil
		})
	})
	return version, err
}

// bbolt's on-disk layout (go.etcd.io/bbolt/internal/common), little endian
// on every platform aksnet builds for.
const (
	pageHeaderSize   = 16 // id u64, flags u16, count u16, overflow u32
	branchElemSize   = 16 // pos u32, ksize u32, pgid u64
	leafElemSize     = 16 // flags u32, pos u32, ksize u32, vsize u32
	bucketHeaderSize = 16 // root pgid u64, sequence u64
	metaChecksumAt   = 56 // the meta's checksum covers the bytes before it
	metaSize         = 64

	branchPageFlag   = 0x01
	leafPageFlag     = 0x02
	metaPageFlag     = 0x04
	freelistPageFlag = 0x10
	bucketLeafFlag   = 0x01

	boltMagic      = 0xED0CDAED
	boltVersion    = 2
	noFreelist     = ^uint64(0)
	maxTreeDepth   = 64
	minPageSize    = 512
	maxPageSize    = 1 << 20
	metaProbeBytes = pageHeaderSize + metaSize
)

var le = binary.LittleEndian

type meta struct {
	pageSize uint32
	root     uint64
	freelist uint64
	pgid     uint64
	txid     uint64
}

// parseMeta decodes and validates meta page id (0 or 1) from buf (at least
// metaProbeBytes long).
func parseMeta(buf []byte, id uint64) (meta, error) {
	if got := le.Uint64(buf); got != id {
		return meta{}, fmt.Errorf("it says it is page %d", got)
	}
	if flags := le.Uint16(buf[8:]); flags != metaPageFlag {
		return meta{}, fmt.Errorf("not a meta page (flags %#x)", flags)
	}
	m := buf[pageHeaderSize : pageHeaderSize+metaSize]
	if le.Uint32(m[0:]) != boltMagic {
		return meta{}, errors.New("bad magic number")
	}
	if v := le.Uint32(m[4:]); v != boltVersion {
		return meta{}, fmt.Errorf("bbolt file format version %d, want %d", v, boltVersion)
	}
	h := fnv.New64a()
	_, _ = h.Write(m[:metaChecksumAt])
	if h.Sum64() != le.Uint64(m[metaChecksumAt:]) {
		return meta{}, errors.New("checksum mismatch")
	}
	mt := meta{pageSize: le.Uint32(m[8:]), root: le.Uint64(m[16:]), freelist: le.Uint64(m[32:]), pgid: le.Uint64(m[40:]), txid: le.Uint64(m[48:])}
	if ps := mt.pageSize; ps < minPageSize || ps > maxPageSize || ps&(ps-1) != 0 {
		return meta{}, fmt.Errorf("page size %d", ps)
	}
	if mt.pgid < 3 || mt.root < 2 || mt.root >= mt.pgid || (mt.freelist != noFreelist && (mt.freelist < 2 || mt.freelist >= mt.pgid)) {
		return meta{}, fmt.Errorf("page numbers out of range (root %d, freelist %d, high water mark %d)", mt.root, mt.freelist, mt.pgid)
	}
	return mt, nil
}

// preflight validates the file's size, its meta pages and its page tree with
// plain reads, never mapping the file.
func preflight(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	size := st.Size()
	if size == 0 {
		return damaged(path, "the file is empty (0 bytes)")
	}
	head := make([]byte, metaProbeBytes)
	if _, err := f.ReadAt(head, 0); err != nil {
		return damaged(path, "the file is %d bytes, too short for a bbolt header", size)
	}
	m0, err := parseMeta(head, 0)
	if err != nil {
		return damaged(path, "meta page 0 is invalid: %v", err)
	}
	ps := int64(m0.pageSize)
	if _, err := f.ReadAt(head, ps); err != nil {
		return damaged(path, "the file is %d bytes, too short for its second meta page", size)
	}
	m1, err := parseMeta(head, 1)
	if err != nil {
		return damaged(path, "meta page 1 is invalid: %v", err)
	}
	if m1.pageSize != m0.pageSize {
		return damaged(path, "the meta pages disagree on the page size (%d and %d)", m0.pageSize, m1.pageSize)
	}
	// bbolt uses the valid meta with the higher transaction id.
	m := m0
	if m1.txid > m0.txid {
		m = m1
	}
	if need := int64(max(m0.pgid, m1.pgid)) * ps; size < need {
		return damaged(path, "the file is %d bytes but its meta pages need %d: it was truncated", size, need)
	}
	w := &walker{f: f, pageSize: ps, hwm: m.pgid, seen: map[uint64]bool{}}
	if m.freelist != noFreelist {
		if err := w.freelist(m.freelist); err != nil {
			return damaged(path, "%v", err)
		}
	}
	if err := w.tree(m.root, 0); err != nil {
		return damaged(path, "%v", err)
	}
	return nil
}

// walker reads bbolt pages from the file and checks every reference.
type walker struct {
	f        *os.File
	pageSize int64
	hwm      uint64
	seen     map[uint64]bool
}

// page reads page id with its overflow pages. Its type flags must be exactly
// one of wantFlags' bits, as bbolt asserts (and panics otherwise).
func (w *walker) page(id uint64, wantFlags uint16) ([]byte, error) {
	if id < 2 || id >= w.hwm {
		return nil, fmt.Errorf("reference to page %d, outside 2..%d", id, w.hwm-1)
	}
	if w.seen[id] {
		return nil, fmt.Errorf("page %d is referenced twice", id)
	}
	w.seen[id] = true
	head := make([]byte, pageHeaderSize)
	if _, err := w.f.ReadAt(head, int64(id)*w.pageSize); err != nil {
		return nil, fmt.Errorf("read page %d: %w", id, err)
	}
	if got := le.Uint64(head); got != id {
		return nil, fmt.Errorf("page %d says it is page %d", id, got)
	}
	if flags := le.Uint16(head[8:]); flags&wantFlags == 0 || flags&(flags-1) != 0 {
		return nil, fmt.Errorf("page %d has type flags %#x, want one of %#x", id, flags, wantFlags)
	}
	overflow := uint64(le.Uint32(head[12:]))
	if id+overflow >= w.hwm {
		return nil, fmt.Errorf("page %d runs %d pages past the end", id, overflow)
	}
	buf := make([]byte, int64(overflow+1)*w.pageSize)
	if _, err := w.f.ReadAt(buf, int64(id)*w.pageSize); err != nil {
		return nil, fmt.Errorf("read page %d: %w", id, err)
	}
	return buf, nil
}

func (w *walker) freelist(id uint64) error {
	p, err := w.page(id, freelistPageFlag)
	if err != nil {
		return fmt.Errorf("freelist: %w", err)
	}
	start, count := pageHeaderSize, uint64(le.Uint16(p[10:]))
	if count == 0xFFFF {
		if len(p) < pageHeaderSize+8 {
			return fmt.Errorf("freelist page %d is cut short", id)
		}
		count, start = le.Uint64(p[pageHeaderSize:]), pageHeaderSize+8
	}
	if count > uint64(len(p)-start)/8 {
		return fmt.Errorf("freelist page %d claims %d entries", id, count)
	}
	for i := range count {
		if fid := le.Uint64(p[start+int(i)*8:]); fid < 2 || fid >= w.hwm {
			return fmt.Errorf("freelist page %d lists page %d, outside 2..%d", id, fid, w.hwm-1)
		}
	}
	return nil
}

// tree walks the B+tree rooted at page id.
func (w *walker) tree(id uint64, depth int) error {
	if depth > maxTreeDepth {
		return fmt.Errorf("page tree deeper than %d at page %d", maxTreeDepth, id)
	}
	p, err := w.page(id, branchPageFlag|leafPageFlag)
	if err != nil {
		return err
	}
	return w.node(id, p, depth)
}

// node checks the elements of a branch or leaf page p (page id, 0 for an
// inline bucket's page) and walks what they reference.
func (w *walker) node(id uint64, p []byte, depth int) error {
	flags, count := le.Uint16(p[8:]), int(le.Uint16(p[10:]))
	leaf := flags == leafPageFlag
	if !leaf && flags != branchPageFlag {
		return fmt.Errorf("page %d has type flags %#x", id, flags)
	}
	if pageHeaderSize+count*leafElemSize > len(p) {
		return fmt.Errorf("page %d claims %d elements, more than fit", id, count)
	}
	for i := range count {
		at := pageHeaderSize + i*leafElemSize
		e := p[at : at+leafElemSize]
		if !leaf {
			pos, ksize := int64(le.Uint32(e[0:])), int64(le.Uint32(e[4:]))
			if int64(at)+pos+ksize > int64(len(p)) {
				return fmt.Errorf("page %d element %d points outside its page", id, i)
			}
			if err := w.tree(le.Uint64(e[8:]), depth+1); err != nil {
				return err
			}
			continue
		}
		eflags, pos, ksize, vsize := le.Uint32(e[0:]), int64(le.Uint32(e[4:])), int64(le.Uint32(e[8:])), int64(le.Uint32(e[12:]))
		start := int64(at) + pos
		if start+ksize+vsize > int64(len(p)) {
			return fmt.Errorf("page %d element %d points outside its page", id, i)
		}
		if eflags&bucketLeafFlag == 0 {
			continue
		}
		v := p[start+ksize : start+ksize+vsize]
		if len(v) < bucketHeaderSize {
			return fmt.Errorf("page %d element %d: bucket header cut short", id, i)
		}
		if root := le.Uint64(v); root != 0 {
			if err := w.tree(root, depth+1); err != nil {
				return err
			}
			continue
		}
		inline := v[bucketHeaderSize:]
		if len(inline) < pageHeaderSize {
			return fmt.Errorf("page %d element %d: inline bucket cut short", id, i)
		}
		if err := w.node(0, inline, depth+1); err != nil {
			return err
		}
	}
	return nil
}
