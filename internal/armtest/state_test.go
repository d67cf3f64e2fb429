package armtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aksnet/aksnet/internal/cli"
	"github.com/aksnet/aksnet/internal/controlplane"
	"github.com/aksnet/aksnet/internal/store"
	"github.com/aksnet/aksnet/internal/store/bolt"
)

// TestState_BackupNeedsOwner checks who may download the state backup, which
// holds every resource and every principal's secret hash: only Owner at the
// subscription. Contributor (no role assignment writes) and User Access
// Administrator (no resource writes) are each one step short of it, and are
// refused like Reader and a principal with no role.
func TestState_BackupNeedsOwner(t *testing.T) {
	admin := newHarness(t)
	sub := "/subscriptions/" + admin.Sub
	newSP := func(role string) (*Harness, string) {
		app, spID, secret := admin.newServicePrincipal("backup-" + strings.ToLower(t.Name()) + "-" + role)
		return admin.As(admin.Env.CredentialFor(t, app.AppID, secret)), spID
	}

	if r := DoRaw(t, admin.Env, http.MethodGet, controlplane.BackupPath, nil); r.Status != http.StatusUnauthorized {
		t.Errorf("without a token: %d %s, want 401", r.Status, r.Body)
	}
	if r := DoRaw(t, admin.Env, http.MethodGet, controlplane.BackupPath, nil, "Authorization", "Bearer forged"); r.Status != http.StatusUnauthorized {
		t.Errorf("with a forged token: %d %s, want 401", r.Status, r.Body)
	}
	for _, role := range []struct{ name, id string }{{"no role", ""}, {"Reader", readerRole}, {"Contributor", contributorRole}, {"User Access Administrator", userAccessAdminRole}} {
		sp, spID := newSP(role.name) // one principal per role: roles add up
		if role.id != "" {
			admin.mustAssign(sub, role.id, spID)
		}
		r := sp.Do(http.MethodGet, controlplane.BackupPath, nil)
		if r.Status != http.StatusForbidden {
			t.Fatalf("%s: %d (%d bytes), want 403", role.name, r.Status, len(r.Body))
		}
		if ae := r.APIErr(t); ae.Code != "AuthorizationFailed" || !strings.Contains(ae.Message, spID) {
			t.Errorf("%s: %+v", role.name, ae)
		}
	}
	sp, spID := newSP("owner")
	admin.mustAssign(sub, ownerRole, spID)
	if r := sp.Do(http.MethodPost, controlplane.BackupPath, nil); r.Status != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d, want 405", r.Status)
	}
	r := sp.Do(http.MethodGet, controlplane.BackupPath, nil)
	if r.Status != http.StatusOK || len(r.Body) < 4096 || !bytes.Equal(r.Body[16:20], []byte{0xED, 0xDA, 0x0C, 0xED}) {
		t.Fatalf("Owner: %d, %d bytes, want 200 and a bbolt file", r.Status, len(r.Body))
	}
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
}

// TestIntegrationState_BackupUnderWritesThenRestore takes a backup with
// `aksnet state backup` while writers keep the server busy, restores it with
// `aksnetd --restore` and compares: the restored server has exactly the
// resource groups the backup holds, and these include every write
// acknowledged before the backup started.
func TestIntegrationState_BackupUnderWritesThenRestore(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: builds and runs aksnetd")
	}
	bin := buildAksnetd(t)
	dir := t.TempDir()
	srv := startAksnet(t, bin, dir)
	c := srv.client(t)
	rgBase := "/subscriptions/" + c.creds.SubscriptionID + "/resourceGroups/"

	var (
		mu    sync.Mutex
		acked []string
		wg    sync.WaitGroup
	)
	ctx, cancel := context.WithCancel(t.Context())
	for w := range 8 {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				name := fmt.Sprintf("bk-w%d-%05d", w, i)
				if code, _ := c.put(ctx, rgBase+name+"?api-version="+crashRGAPIVersion, `{"location":"eastus"}`); code == http.StatusCreated {
					mu.Lock()
					acked = append(acked, name)
					mu.Unlock()
				}
			}
		})
	}
	time.Sleep(500 * time.Millisecond)
	mu.Lock()
	before := append([]string(nil), acked...)
	mu.Unlock()
	backup := filepath.Join(t.TempDir(), "aksnet-backup.db")
	var out, errw bytes.Buffer
	if code := cli.Main([]string{"state", "backup", backup, "--state-dir", dir, "--endpoint", srv.url}, nil, &out, &errw); code != 0 {
		t.Fatalf("aksnet state backup: exit %d\n%s%s", code, out.String(), errw.String())
	}
	time.Sleep(200 * time.Millisecond) // writes carry on after the backup
	cancel()
	wg.Wait()
	if !strings.Contains(out.String(), `"bytes"`) {
		t.Errorf("backup output %q", out.String())
	}
	if st, err := os.Stat(backup); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v, mode %v; want 0600", err, st.Mode())
	}
	inBackup := resourceGroupsIn(t, backup, c.creds.SubscriptionID)
	for _, name := range before {
		if !inBackup[name] {
			t.Errorf("%s was acknowledged before the backup started but is not in it", name)
		}
	}
	t.Logf("%d writes acknowledged before the backup, %d in total, %d groups in the backup", len(before), len(acked), len(inBackup))
	if len(inBackup) >= len(acked)+1 {
		t.Errorf("the backup holds %d groups, more than the %d ever written", len(inBackup), len(acked)+1)
	}
	c.hc.CloseIdleConnections()
	srv.stop(t)

	srv2 := startAksnet(t, bin, dir, "--restore", backup)
	c2 := srv2.client(t)
	restored := map[string]bool{}
	for next := rgBase + "?api-version=" + crashRGAPIVersion; next != ""; {
		code, body := c2.do(t.Context(), http.MethodGet, next, "")
		if code != http.StatusOK {
			t.Fatalf("list groups after restore: %d %s", code, body)
		}
		var page struct {
			Value []struct {
				Name string `json:"name"`
			} `json:"value"`
			NextLink string `json:"nextLink"`
		}
		if err := json.Unmarshal([]byte(body), &page); err != nil {
			t.Fatal(err)
		}
		for _, g := range page.Value {
			restored[strings.ToLower(g.Name)] = true
		}
		next = strings.TrimPrefix(page.NextLink, c2.base)
	}
	for name := range inBackup {
		if !restored[name] {
			t.Errorf("%s is in the backup but not in the restored server", name)
		}
	}
	for name := range restored {
		if !inBackup[name] {
			t.Errorf("%s is in the restored server but not in the backup", name)
		}
	}
	if aside, _ := filepath.Glob(filepath.Join(dir, controlplane.DatabaseFile+".pre-restore-*")); len(aside) != 1 {
		t.Errorf("previous databases kept: %v, want one", aside)
	}
	c2.hc.CloseIdleConnections()
	srv2.stop(t)
}

// resourceGroupsIn opens (a copy of) the backup with the store and returns
// the lower-cased names of the subscription's resource groups in it.
func resourceGroupsIn(t *testing.T, backup, sub string) map[string]bool {
	t.Helper()
	raw, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(cp, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := bolt.Open(cp, bolt.Options{})
	if err != nil {
		t.Fatalf("open the backup: %v", err)
	}
	defer s.Close()
	prefix := "r/subscriptions/" + strings.ToLower(sub) + "/resourcegroups/"
	names := map[string]bool{}
	_ = s.View(func(r store.Reader) error {
		r.Scan(prefix, func(k string, _ []byte) bool {
			if rest := k[len(prefix):]; !strings.Contains(rest, "/") {
				names[rest] = true
			}
			return true
		})
		return nil
	})
	return names
}
