// Package state is `aksnet state`: copies of the server's state database.
package state

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/spf13/cobra"
)

// backupPath is the server's admin-only backup endpoint
// (controlplane.BackupPath; the CLI links no server code).
const backupPath = "/aksnet/state/backup"

// boltMagic is how every bbolt file's first meta page starts, after its
// 16-byte page header: 0xED0CDAED, little endian.
var boltMagic = []byte{0xED, 0xDA, 0x0C, 0xED}

// NewCommand is `aksnet state`.
func NewCommand(s command.Streams, g *command.Globals) *cobra.Command {
	return command.Group("state", "Back up the aksnet server's state.", newBackupCommand(s, g))
}

func newBackupCommand(s command.Streams, g *command.Globals) *cobra.Command {
	return &cobra.Command{
		Use:   "backup FILE",
		Short: "Download a consistent copy of the server's state database to FILE (mode 0600).",
		Long: `Download a consistent copy of the running server's state database, taken while
it keeps serving, to FILE (created with mode 0600, replaced if it exists).
Only a principal with Owner on the subscription may take one: it holds every
resource and every principal's secret hashes.

Restore it with: aksnetd --restore FILE (with the server stopped). Keep the
state dir's admin.json with it: the database holds only the admin password's
hash.`,
		Args: cobra.ExactArgs(1),
		RunE: command.Run(s, g, func(e *command.Env, _ *cobra.Command, args []string) error {
			return backup(e, args[0])
		}),
	}
}

// backup downloads into a temporary file beside dest and renames it into
// place only once the whole copy is on disk, so dest is never a partial
// backup.
func backup(e *command.Env, dest string) error {
	tmp, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".part-*")
	if err != nil {
		return &output.Error{Code: 1, Message: fmt.Sprintf("create %s: %v", dest, err)}
	}
	defer os.Remove(tmp.Name()) // after the rename this removes nothing
	n, err := e.Client.Download(backupPath, tmp)
	if err == nil {
		err = checkBolt(tmp)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dest)
	}
	if err != nil {
		var oe *output.Error
		var ae output.ARMError
		if errors.As(err, &oe) || errors.As(err, &ae) {
			return err
		}
		return &output.Error{Code: 1, Message: fmt.Sprintf("backup to %s: %v", dest, err)}
	}
	abs, _ := filepath.Abs(dest)
	return e.PrintValue(map[string]any{"file": abs, "bytes": n})
}

// checkBolt is a cheap sanity check that f holds a bbolt database; the full
// check is aksnetd --restore's.
func checkBolt(f *os.File) error {
	head := make([]byte, 20)
	if _, err := f.ReadAt(head, 0); err != nil || !bytes.Equal(head[16:20], boltMagic) {
		return fmt.Errorf("the server sent something that is not a database file")
	}
	return nil
}
