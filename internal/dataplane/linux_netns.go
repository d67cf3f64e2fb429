//go:build linux

package dataplane

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/aksnet/aksnet/internal/dataplane/caps"
	"github.com/aksnet/aksnet/internal/dataplane/nsprobe"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Network namespaces and goroutines. A Go program runs goroutines on any OS
// thread, and a network namespace belongs to a thread. So, following the
// containernetworking pkg/ns rules:
//
//   - netlink and nftables work goes through sockets opened in the target
//     namespace (netlink.NewHandleAt, nftables.WithNetNSFd); a socket keeps
//     its namespace whatever thread later uses it;
//   - the few things that need a thread inside a namespace (creating it,
//     /proc/sys writes, opening a workload's listening sockets) run on a
//     dedicated goroutine that locks its OS thread first and either
//     switches the thread back before unlocking it or, when that is not
//     possible (a new namespace made by unshare), exits while still locked,
//     so Go destroys the thread instead of reusing it.

// nsfsMagic is the filesystem magic of a bound namespace file.
const nsfsMagic = 0x6e736673

// createNamedNS creates a network namespace bound at NetnsDir/name, sets
// the given sysctls in it and brings lo up, all on the thread that made it
// (which then dies).
func createNamedNS(name string, sysctls map[string]string) error {
	if err := prepareNetnsDir(); err != nil {
		return err
	}
	path := filepath.Join(NetnsDir, name)
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		return err
	}
	_ = f.Close()
	host, err := hostNS()
	if err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		err := func() error {
			if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
				return fmt.Errorf("unshare: %w", err)
			}
			src := fmt.Sprintf("/proc/%d/task/%d/ns/net", os.Getpid(), unix.Gettid())
			if err := unix.Mount(src, path, "none", unix.MS_BIND, ""); err != nil {
				return fmt.Errorf("bind %s: %w", path, err)
			}
			for _, k := range sortedKeys(sysctls) {
				if strings.HasPrefix(k, "net/ipv6/") && !ipv6Available() {
					continue
				}
				if err := writeSysctl(k, sysctls[k]); err != nil {
					return fmt.Errorf("sysctl %s: %w", k, err)
				}
			}
			return loUp()
		}()
		// Back to the process's namespace, so the thread can be reused;
		// if that fails the thread stays locked and dies with us.
		if serr := unix.Setns(int(host), unix.CLONE_NEWNET); serr != nil {
			errc <- errors.Join(err, fmt.Errorf("setns back: %w", serr))
			return
		}
		runtime.UnlockOSThread()
		errc <- err
	}()
	if err := <-errc; err != nil {
		_ = os.Remove(path)
		return err
	}
	return nil
}

// prepareNetnsDir makes NetnsDir a shared mount point of its own before a
// namespace is bound in it, as iproute2 does before every `ip netns add`
// (netns_add in ip/ipnetns.c): make it shared, and where that fails with
// EINVAL because it is not a mount point yet, bind it onto itself first.
//
// Why: the first `ip netns add` on a machine self-binds the directory
// (recursively) if nobody did. Namespaces bound under it before then stay
// mounted on the covered directory as well, out of reach of any path, so
// their files can never be unlinked (EBUSY) and the namespaces leak. Done
// first, iproute2 finds the directory already a mount point and only marks
// it shared again, which hides nothing.
func prepareNetnsDir() error {
	if err := os.MkdirAll(NetnsDir, 0o755); err != nil {
		return err
	}
	err := unix.Mount("", NetnsDir, "none", unix.MS_SHARED|unix.MS_REC, "")
	if !errors.Is(err, unix.EINVAL) {
		if err != nil {
			return fmt.Errorf("make %s a shared mount: %w", NetnsDir, err)
		}
		return nil
	}
	if err := unix.Mount(NetnsDir, NetnsDir, "none", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind %s onto itself: %w", NetnsDir, err)
	}
	if err := unix.Mount("", NetnsDir, "none", unix.MS_SHARED|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("make %s a shared mount: %w", NetnsDir, err)
	}
	return nil
}

// deleteNamedNS unbinds and removes NetnsDir/name; the kernel frees the
// namespace once nothing else refers to it. The file may carry more than
// one bind mount (a namespace bound twice, or propagated from a peer), so
// it is unmounted until the kernel says it is no mount point (EINVAL). A
// failure to unmount or unlink is returned, never ignored: a namespace that
// can't be removed is a leak the caller must report.
func deleteNamedNS(name string) error {
	path := filepath.Join(NetnsDir, name)
	for i := 0; ; i++ {
		err := unix.Unmount(path, unix.MNT_DETACH)
		if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOENT) {
			break
		}
		if err != nil {
			return fmt.Errorf("unmount %s: %w", path, err)
		}
		if i == maxStackedMounts {
			return fmt.Errorf("unmount %s: still mounted after %d unmounts", path, i+1)
		}
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// maxStackedMounts bounds deleteNamedNS's unmount loop.
const maxStackedMounts = 64

// listNamedNS lists the bound namespaces in NetnsDir starting with prefix.
// A file left unbound (by a crash between creating and binding it, or an
// umount by hand) is removed, not listed, so that the namespace counts as
// missing and is made again.
func listNamedNS(prefix string) ([]string, error) {
	return listNamedNSKnown(prefix, nil)
}

// listNamedNSKnown is listNamedNS that trusts the names known says are
// bound (they are checked when next opened; see linuxKernel.handle):
// checking every file on every pass would cost a system call per
// namespace.
func listNamedNSKnown(prefix string, known func(string) bool) ([]string, error) {
	entries, err := os.ReadDir(NetnsDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	var stale []error
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), prefix) {
			continue
		}
		if known == nil || !known(e.Name()) {
			if err := removeUnbound(e.Name()); err != nil {
				if !errors.Is(err, errUnbound) {
					stale = append(stale, err)
				}
				continue
			}
		}
		out = append(out, e.Name())
	}
	return out, errors.Join(stale...)
}

// errUnbound says a namespace file holds no namespace (and was removed).
var errUnbound = errors.New("namespace file is not bound to a namespace")

// removeUnbound removes NetnsDir/name when no namespace is bound to it, and
// then returns errUnbound.
func removeUnbound(name string) error {
	var st unix.Statfs_t
	path := filepath.Join(NetnsDir, name)
	if err := unix.Statfs(path, &st); err != nil || st.Type == nsfsMagic {
		return nil // gone already, or bound
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove unbound namespace file: %w", err)
	}
	return fmt.Errorf("%s: %w", name, errUnbound)
}

// nsInode identifies the namespace bound at NetnsDir/name.
func nsInode(name string) (uint64, error) {
	var st unix.Stat_t
	if err := unix.Stat(filepath.Join(NetnsDir, name), &st); err != nil {
		return 0, err
	}
	return st.Ino, nil
}

// hostNS is the namespace the process runs in, opened once. Only a
// thread known to be in it may call this first: every unlocked thread is,
// since threads are only moved while locked and moved back before being
// unlocked.
var hostNS = sync.OnceValues(func() (netns.NsHandle, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return netns.Get()
})

// inNS runs fn on a locked OS thread inside the namespace fd (see
// nsprobe.Enter).
func inNS(fd netns.NsHandle, fn func() error) error { return nsprobe.Enter(fd, fn) }

func readSysctl(key string) (string, error) {
	b, err := os.ReadFile("/proc/sys/" + key)
	return strings.TrimSpace(string(b)), err
}

func writeSysctl(key, value string) error {
	return os.WriteFile("/proc/sys/"+key, []byte(value), 0o644)
}

// CheckPrivileges reports, with a clear error, when the process can't run
// the data plane: it must be root with CAP_NET_ADMIN and CAP_SYS_ADMIN.
func CheckPrivileges() error { return caps.Check() }

// openNS opens the namespace bound at path (see nsprobe.Open).
func openNS(path string) (netns.NsHandle, error) { return nsprobe.Open(path) }

// loUp brings the calling thread's namespace's lo up, with an ioctl on a
// socket made in that namespace.
func loUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("lo flags: %w", err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("lo up: %w", err)
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

var ipv6Once = sync.OnceValue(func() bool {
	_, err := os.Stat("/proc/sys/net/ipv6")
	return err == nil
})

// ipv6Available reports whether the kernel has IPv6 (its sysctls exist).
func ipv6Available() bool { return ipv6Once() }

// EtcNetnsDir is nsprobe.EtcNetnsDir: where a namespace's resolv.conf is.
const EtcNetnsDir = nsprobe.EtcNetnsDir

// readResolvConf returns namespace name's resolv.conf, "" when it has none.
func readResolvConf(name string) (string, error) {
	b, err := os.ReadFile(filepath.Join(EtcNetnsDir, name, "resolv.conf"))
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read resolv.conf of %s: %w", name, err)
	}
	return string(b), nil
}

// writeResolvConf writes namespace name's resolv.conf (atomically: a
// temporary file renamed over it), or removes its directory when content
// is "".
func writeResolvConf(name, content string) error {
	dir := filepath.Join(EtcNetnsDir, name)
	if content == "" {
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("remove %s: %w", dir, err)
		}
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".resolv.conf-")
	if err != nil {
		return err
	}
	_, werr := tmp.WriteString(content)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr, os.Chmod(tmp.Name(), 0o644)); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("write resolv.conf of %s: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, "resolv.conf")); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("write resolv.conf of %s: %w", name, err)
	}
	return nil
}

// removeEtcNetns removes the EtcNetnsDir directories of the namespaces
// named with prefix, also those left by namespaces that are already gone.
func removeEtcNetns(prefix string) error {
	entries, err := os.ReadDir(EtcNetnsDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) {
			errs = append(errs, writeResolvConf(e.Name(), ""))
		}
	}
	return errors.Join(errs...)
}
