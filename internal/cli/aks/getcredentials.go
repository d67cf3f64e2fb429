package aks

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/flags"
	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/aksnet/aksnet/internal/kubeconfig"
	"github.com/spf13/cobra"
)

type credentialsFlags struct {
	clusterFlags
	admin, overwrite bool
	file, context    string
}

// newGetCredentialsCommand is `az aks get-credentials`: it lists the
// cluster's user (or, with --admin, admin) credential and merges the
// kubeconfig into --file (default ~/.kube/config, '-' prints it) as az's
// print_or_merge_credentials does (azure-cli acs/_helpers.py).
func newGetCredentialsCommand(s command.Streams, g *command.Globals) *cobra.Command {
	f := &credentialsFlags{}
	cmd := &cobra.Command{Use: "get-credentials", Short: "Get access credentials for a managed Kubernetes cluster.", Args: cobra.NoArgs}
	return command.Leaf(s, g, cmd, flags.Cobra, func(a *flags.Set) {
		f.args()(a)
		a.Switch(&f.admin, "Get cluster administrator credentials.", "--admin", "-a")
		a.String(&f.file, "Kubernetes configuration file to update. Use \"-\" to print YAML to stdout instead.", "--file", "-f")
		a.Switch(&f.overwrite, "Overwrite any existing cluster entry with the same name.", "--overwrite-existing")
		a.String(&f.context, "If specified, overwrite the default context name. The `--admin` parameter takes precedence over `--context`.", "--context")
	}, func(e *command.Env) error {
		path := f.file
		if path == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				return &output.Error{Code: 1, Message: fmt.Sprintf("Cannot find the home directory for ~/.kube/config: %v; pass --file.", err)}
			}
			path = filepath.Join(home, ".kube", "config")
		}
		cfg, err := e.Client.ClusterCredential(f.rg, f.name, f.admin)
		if err != nil {
			return err
		}
		if path == "-" {
			_, err := fmt.Fprintln(s.Out, string(cfg))
			return err
		}
		current, err := MergeKubeconfig(path, cfg, kubeconfig.MergeOptions{Overwrite: f.overwrite, Context: f.context}, e.Log)
		if err != nil {
			return err
		}
		e.Log.Warn("Merged \"%s\" as current context in %s", current, path)
		return nil
	})
}

// MergeKubeconfig merges cfg into the kubeconfig at path as az does: the
// directory and an empty 0600 file are created when missing; the merged
// file replaces the old one atomically, keeping its mode. It returns the
// new current context. log is warned, as az warns, when the file is
// readable by others.
func MergeKubeconfig(path string, cfg []byte, opt kubeconfig.MergeOptions, log *output.Logger) (string, error) {
	denied := func(err error) error {
		if errors.Is(err, fs.ErrPermission) {
			// az's words (acs/_helpers.py), for EACCES and EPERM.
			return &output.Error{Code: 1, Message: fmt.Sprintf("Permission denied when trying to write to %s. Please ensure you have write access to this file, "+
				"or specify a different file path using the --file/-f argument. (%v)", path, err)}
		}
		return &output.Error{Code: 1, Message: fmt.Sprintf("Cannot write the kubeconfig to %s: %v. Specify a different file path using the --file/-f argument.", path, err)}
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", denied(err)
		}
	}
	existing, err := os.ReadFile(path)
	mode := fs.FileMode(0o600)
	switch {
	case err == nil:
		if st, err := os.Stat(path); err == nil {
			mode = st.Mode().Perm()
		}
	case errors.Is(err, fs.ErrNotExist):
	case errors.Is(err, fs.ErrPermission):
		return "", &output.Error{Code: 1, Message: fmt.Sprintf("Permission denied when trying to read %s. Please ensure you have read access to this file, "+
			"or specify a different file path using the --file/-f argument.", path)}
	default:
		return "", &output.Error{Code: 1, Message: fmt.Sprintf("Cannot read %s: %v", path, err)}
	}
	merged, current, err := kubeconfig.Merge(existing, cfg, opt)
	if err != nil {
		var pe *kubeconfig.ParseError
		if errors.As(err, &pe) {
			return "", &output.Error{Code: 1, Message: fmt.Sprintf("Error parsing %s (%v)", path, pe.Err)}
		}
		return "", &output.Error{Code: 1, Message: err.Error()}
	}
	if mode&0o077 != 0 {
		log.Warn("%s has permissions \"%o\".\nIt should be readable and writable only by its owner.", path, mode)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return "", denied(err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(merged); err != nil {
		tmp.Close()
		return "", denied(err)
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return "", denied(err)
	}
	if err := tmp.Close(); err != nil {
		return "", denied(err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", denied(err)
	}
	return current, nil
}
