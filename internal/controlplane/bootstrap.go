package controlplane

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/directory"
	"github.com/aksnet/aksnet/internal/identity"
	"github.com/aksnet/aksnet/internal/pki"
	"github.com/aksnet/aksnet/internal/provider/authorization"
	"github.com/aksnet/aksnet/internal/provider/resources"
	"github.com/aksnet/aksnet/internal/rbac"
	"github.com/aksnet/aksnet/internal/statedir"
	"github.com/aksnet/aksnet/internal/store"
)

// bootstrapKey holds the ids chosen on first start.
const bootstrapKey = "m/bootstrap"

// bootstrapWith makes sure the state has a tenant, a subscription and an admin
// principal with Owner on it, writing the admin's credentials file (0600)
// the first time. Later starts reuse the stored ids.
func bootstrapWith(ctx context.Context, srv *arm.Server, dir string, register func(tenantID string)) (*statedir.Credentials, error) {
	credPath := filepath.Join(dir, statedir.CredentialsFile)
	var creds statedir.Credentials
	var stored []byte
	if err := srv.Store().View(func(r store.Reader) error {
		if raw, ok := r.Get(bootstrapKey); ok {
			stored = append([]byte(nil), raw...)
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("bootstrap: read stored ids: %w", err)
	}
	if stored != nil {
		if err := json.Unmarshal(stored, &creds); err != nil {
			return nil, fmt.Errorf("bootstrap: decode stored ids: %w", err)
		}
		ids := creds
		if err := readJSON(credPath, &creds); err != nil {
			return nil, fmt.Errorf("read %s: %w", credPath, err)
		}
		// admin.json must be the database's own: after restoring another
		// state dir's backup, a stale admin.json would name a tenant and
		// subscription the database does not have.
		if creds.TenantID != ids.TenantID || creds.SubscriptionID != ids.SubscriptionID || creds.AppID != ids.AppID || creds.ObjectID != ids.ObjectID {
			return nil, fmt.Errorf("%s is for tenant %s, subscription %s, but the state database is for tenant %s, subscription %s: "+
				"put back the admin.json kept with the database's backup, or start fresh with aksnetd --reset-state",
				credPath, creds.TenantID, creds.SubscriptionID, ids.TenantID, ids.SubscriptionID)
		}
		register(creds.TenantID)
		return &creds, nil
	}
	// A database without the bootstrap ids next to the credentials of an
	// earlier start is state that was lost; a new tenant would overwrite
	// admin.json.
	if _, err := os.Stat(credPath); err == nil {
		return nil, fmt.Errorf("the state database has no tenant, but %s exists: refusing to bootstrap a new tenant over existing state.\n%s", credPath, recoveryHint(dir))
	}
	plain, secret := identity.NewSecret()
	creds = statedir.Credentials{TenantID: arm.NewUUID(), SubscriptionID: arm.NewUUID(), AppID: arm.NewUUID(), ObjectID: arm.NewUUID(), Password: plain}
	// Providers must know the tenant before anything is created through them.
	register(creds.TenantID)
	err := srv.Update(ctx, func(c *arm.Call) error {
		p := &identity.Principal{ObjectID: creds.ObjectID, AppID: creds.AppID, DisplayName: "aksnet-admin", Type: identity.PrincipalTypeServicePrincipal,
			TenantID: creds.TenantID, Secrets: []identity.Secret{secret}, ServicePrincipalNames: []string{creds.AppID}}
		if err := directory.PutPrincipal(c.Tx, p); err != nil {
			return err
		}
		if err := resources.EnsureSubscription(c.Tx, resources.NewSubscription(creds.SubscriptionID, creds.TenantID, "aksnet")); err != nil {
			return err
		}
		if err := authorization.Assign(c, arm.SubscriptionID(creds.SubscriptionID), rbac.OwnerRoleID, creds.ObjectID); err != nil {
			return err
		}
		// The store keeps only the password's hash; the plaintext lives in
		// the credentials file alone.
		ids := creds
		ids.Password = ""
		return store.PutJSON(c.Tx, bootstrapKey, ids)
	})
	if err != nil {
		return nil, fmt.Errorf("bootstrap: %w", err)
	}
	if err := writeCredentials(credPath, creds); err != nil {
		return nil, fmt.Errorf("write %s: %w", credPath, err)
	}
	return &creds, nil
}

func writeCredentials(path string, c statedir.Credentials) error {
	raw, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return pki.WriteFileAtomic(path, append(raw, '\n'), 0o600)
}

func readJSON(path string, v any) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}
