package pki

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// WriteFileAtomic replaces path with data in one step: it writes a temporary
// file in the same directory, syncs it, sets perm and renames it over path. A
// reader sees either the old content or the new, never a partial file.
func WriteFileAtomic(path string, data []byte, perm fs.FileMode) error {
	tmp, err := writeTemp(path, data, perm)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("pki: replace %s: %w", path, err)
	}
	return nil
}

// CreateOrLoad returns the content of path. When path does not exist it calls
// generate, writes the result atomically with perm, and returns it.
//
// Creation is exclusive: when two processes race to create the same file,
// exactly one wins (the file is linked into place, which fails if it already
// exists) and both return the winner's content. Callers can therefore derive
// other files from the content returned without them ever disagreeing.
func CreateOrLoad(path string, perm fs.FileMode, generate func() ([]byte, error)) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err == nil {
		return data, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("pki: read %s: %w", path, err)
	}
	data, err = generate()
	if err != nil {
		return nil, err
	}
	tmp, err := writeTemp(path, data, perm)
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp)
	switch err := os.Link(tmp, path); {
	case err == nil:
		return data, nil
	case errors.Is(err, fs.ErrExist):
		// Someone else created it first; theirs is the one that counts.
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("pki: read %s: %w", path, err)
		}
		return data, nil
	default:
		// The file system has no hard links: fall back to a plain rename,
		// which is still atomic but not exclusive.
		if err := os.Rename(tmp, path); err != nil {
			return nil, fmt.Errorf("pki: create %s: %w", path, err)
		}
		return data, nil
	}
}

// writeTemp writes data to a new temporary file next to path and returns its
// name. The file is synced and has mode perm.
func writeTemp(path string, data []byte, perm fs.FileMode) (string, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("pki: write %s: %w", path, err)
	}
	name := f.Name()
	fail := func(err error) (string, error) {
		f.Close()
		os.Remove(name)
		return "", fmt.Errorf("pki: write %s: %w", path, err)
	}
	// CreateTemp makes the file 0600; Chmod sets the exact mode asked for
	// without depending on the umask.
	if err := f.Chmod(perm); err != nil {
		return fail(err)
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(name)
		return "", fmt.Errorf("pki: write %s: %w", path, err)
	}
	return name, nil
}
