package bolt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"

	bbolt "go.etcd.io/bbolt"
)

// SchemaVersion is the layout this binary reads and writes. It is stored in
// the meta bucket and in the first byte of every record.
//
// History:
//
//	0: no meta bucket; values stored bare (aksnet up to commit 3ffac58).
//	1: meta bucket with the schema version; every value wrapped in a record
//	   (record.go) carrying its version and a CRC-32C.
const SchemaVersion = 1

// The meta bucket holds the schema version as 8 bytes big endian followed by
// their CRC-32C. This layout must never change: it is how any version of
// aksnet recognises a database from a newer one.
var (
	metaBucket = []byte("aksnet-meta")
	schemaKey  = []byte("schema")
)

// migrations[v] moves a database from schema v to v+1, inside the one
// transaction that Open runs all pending migrations in.
var migrations = [SchemaVersion]func(tx *bbolt.Tx) error{
	0: migrateWrapRecords,
}

// storedSchema returns the schema version recorded in tx: 0 when the meta
// bucket is absent, which is how databases before versioning look.
func storedSchema(tx *bbolt.Tx) (uint64, error) {
	mb := tx.Bucket(metaBucket)
	if mb == nil {
		return 0, nil
	}
	raw := mb.Get(schemaKey)
	if len(raw) != 12 {
		return 0, fmt.Errorf("the schema version is %d bytes, want 12", len(raw))
	}
	if crc32.Checksum(raw[:8], castagnoli) != binary.BigEndian.Uint32(raw[8:]) {
		return 0, errors.New("the schema version fails its checksum")
	}
	return binary.BigEndian.Uint64(raw), nil
}

func putSchema(tx *bbolt.Tx, v uint64) error {
	mb, err := tx.CreateBucketIfNotExists(metaBucket)
	if err != nil {
		return fmt.Errorf("create meta bucket: %w", err)
	}
	var raw [12]byte
	binary.BigEndian.PutUint64(raw[:], v)
	binary.BigEndian.PutUint32(raw[8:], crc32.Checksum(raw[:8], castagnoli))
	return mb.Put(schemaKey, raw[:])
}

// migrate runs every migration from version from up to SchemaVersion, then
// records SchemaVersion. The caller runs it in one read-write transaction,
// so a crash part-way leaves the old database as it was.
func migrate(tx *bbolt.Tx, from uint64) error {
	if _, err := tx.CreateBucketIfNotExists(bucket); err != nil {
		return fmt.Errorf("create data bucket: %w", err)
	}
	for v := from; v < SchemaVersion; v++ {
		if err := migrations[v](tx); err != nil {
			return fmt.Errorf("migrate schema %d to %d: %w", v, v+1, err)
		}
	}
	return putSchema(tx, SchemaVersion)
}

// migrateWrapRecords wraps every bare value of a schema-0 database in a
// record. Values are collected first: a bucket must not be written while a
// cursor walks it.
func migrateWrapRecords(tx *bbolt.Tx) error {
	b := tx.Bucket(bucket)
	type kv struct{ k, v []byte }
	var all []kv
	if err := b.ForEach(func(k, v []byte) error {
		if v == nil {
			return fmt.Errorf("key %q is a nested bucket", k)
		}
		all = append(all, kv{append([]byte(nil), k...), encodeRecord(string(k), v)})
		return nil
	}); err != nil {
		return err
	}
	for _, e := range all {
		if err := b.Put(e.k, e.v); err != nil {
			return fmt.Errorf("rewrite %q: %w", e.k, err)
		}
	}
	return nil
}
