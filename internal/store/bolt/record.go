package bolt

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// A record is how one value sits in the data bucket:
//
//	[1 byte schema version][4 bytes CRC-32C, big endian][value]
//
// The version says which schema wrote the record, so a migration can tell old
// records from new ones. The checksum covers the key and the value: bbolt
// checksums only its meta pages, so without it a flipped bit inside a data
// page would be served as if it were what was written. Reads strip the
// header without checking the sum (a slice, no copy); Verify checks every sum
// when the database is opened.
const recordHeader = 5

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// recordSum is the checksum of a record: CRC-32C over the key, then the value.
func recordSum(key string, value []byte) uint32 {
	return crc32.Update(crc32.Update(0, castagnoli, []byte(key)), castagnoli, value)
}

// encodeRecord returns key's record for value at the current schema.
func encodeRecord(key string, value []byte) []byte {
	rec := make([]byte, recordHeader+len(value))
	rec[0] = SchemaVersion
	copy(rec[recordHeader:], value)
	binary.BigEndian.PutUint32(rec[1:recordHeader], recordSum(key, value))
	return rec
}

// recordValue returns the value inside a stored record. It trusts the record:
// Open has verified every record, and writes go through encodeRecord.
func recordValue(rec []byte) []byte {
	if len(rec) < recordHeader {
		return nil
	}
	return rec[recordHeader:]
}

// checkRecord verifies a stored record's header and checksum.
func checkRecord(key, rec []byte) error {
	if len(rec) < recordHeader {
		return fmt.Errorf("record %q is %d bytes, shorter than its %d-byte header", key, len(rec), recordHeader)
	}
	if v := rec[0]; v == 0 || v > SchemaVersion {
		return fmt.Errorf("record %q has schema version %d; this aksnet knows versions 1 to %d", key, v, SchemaVersion)
	}
	want := binary.BigEndian.Uint32(rec[1:recordHeader])
	if got := recordSum(string(key), rec[recordHeader:]); got != want {
		return fmt.Errorf("record %q fails its checksum (stored %08x, computed %08x)", key, want, got)
	}
	return nil
}
