// Package directory keeps aksnet's Entra ID objects — service principals and
// applications — in the store, and serves the Microsoft Graph subset the
// Azure CLI uses to find principals and to create service principals with
// secrets (az ad sp create-for-rbac).
//
// Keys:
//
//	d/sp/{objectId}       service principal (identity.Principal)
//	d/app/{appId}         objectId of the service principal with that appId
//	d/application/{id}    application object
//	d/appid/{appId}       id of the application object with that appId
//	d/role/{objectId}     directory roles the principal holds (role template ids)
//
// # Who may change what
//
// Microsoft Graph lets a principal change an application, or the service
// principal of one, when it owns the application or holds a directory role
// that manages every application. aksnet models three such roles (see
// ManagesApplications); the admin principal made at bootstrap holds Global
// Administrator. Anyone signed in may register an application, as Entra ID's
// default user setting allows, and becomes its owner. A service principal
// without an application (the bootstrap admin, managed identities) can be
// changed only by a directory administrator.
package directory

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/identity"
	"github.com/aksnet/aksnet/internal/store"
)

// Application is an app registration: its appId and password credentials.
type Application struct {
	ID          string            `json:"id"`
	AppID       string            `json:"appId"`
	DisplayName string            `json:"displayName"`
	Secrets     []identity.Secret `json:"secrets,omitempty"`
	// Owners are the object ids of the principals that may change the
	// application and its service principal: its creator.
	Owners []string `json:"owners,omitempty"`
}

// Store reads and writes directory objects in a store.
type Store struct {
	s store.Store
}

// New returns a Store over s.
func New(s store.Store) *Store { return &Store{s: s} }

// PrincipalByAppID implements identity.Directory. The returned principal
// carries its application's secrets too, since az adds passwords to the
// application and signs in as the service principal.
func (d *Store) PrincipalByAppID(_ context.Context, appID string) (*identity.Principal, error) {
	var p *identity.Principal
	err := d.s.View(func(r store.Reader) error {
		var err error
		p, err = PrincipalByAppID(r, appID)
		return err
	})
	return p, err
}

func spKey(objectID string) string      { return "d/sp/" + strings.ToLower(objectID) }
func appIDKey(appID string) string      { return "d/app/" + strings.ToLower(appID) }
func applicationKey(id string) string   { return "d/application/" + strings.ToLower(id) }
func appRegKey(appID string) string     { return "d/appid/" + strings.ToLower(appID) }
func dirRoleKey(objectID string) string { return "d/role/" + strings.ToLower(objectID) }

// Template ids of the Entra ID directory roles aksnet knows. They are
// Microsoft's own and the same in every tenant.
const (
	GlobalAdministratorRoleID           = "62e90394-69f5-4237-9190-012177145e10"
	ApplicationAdministratorRoleID      = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"
	CloudApplicationAdministratorRoleID = "158c047a-c907-4556-b7ef-446551a6b5f7"
)

// AssignDirectoryRole gives the principal objectID the directory role
// roleID (a template id), once.
func AssignDirectoryRole(tx store.Tx, objectID, roleID string) error {
	roles, err := DirectoryRoles(tx, objectID)
	if err != nil {
		return err
	}
	for _, r := range roles {
		if strings.EqualFold(r, roleID) {
			return nil
		}
	}
	return store.PutJSON(tx, dirRoleKey(objectID), append(roles, strings.ToLower(roleID)))
}

// DirectoryRoles returns the template ids of the directory roles objectID
// holds; a stored list that does not decode is an error, never "no roles"
// (AssignDirectoryRole would overwrite it).
func DirectoryRoles(r store.Reader, objectID string) ([]string, error) {
	roles, ok, err := store.LoadJSON[[]string](r, dirRoleKey(objectID))
	if err != nil || !ok {
		return nil, err
	}
	return *roles, nil
}

// ManagesApplications reports whether objectID holds a directory role that
// may change every application and service principal: Global
// Administrator, Application Administrator or Cloud Application
// Administrator.
func ManagesApplications(r store.Reader, objectID string) (bool, error) {
	roles, err := DirectoryRoles(r, objectID)
	if err != nil {
		return false, err
	}
	for _, role := range roles {
		switch strings.ToLower(role) {
		case GlobalAdministratorRoleID, ApplicationAdministratorRoleID, CloudApplicationAdministratorRoleID:
			return true, nil
		}
	}
	return false, nil
}

// MayChange reports whether caller may change or delete app and its
// service principal: it owns app or manages every application. app is nil
// for a service principal that has no application object; only an
// administrator may change one.
func MayChange(r store.Reader, caller string, app *Application) (bool, error) {
	if caller == "" {
		return false, nil
	}
	if admin, err := ManagesApplications(r, caller); err != nil || admin {
		return admin, err
	}
	return app != nil && app.OwnedBy(caller), nil
}

// OwnedBy reports whether objectID is one of a's owners.
func (a *Application) OwnedBy(objectID string) bool {
	for _, o := range a.Owners {
		if strings.EqualFold(o, objectID) {
			return true
		}
	}
	return false
}

// PutPrincipal stores p and its appId index.
func PutPrincipal(tx store.Tx, p *identity.Principal) error {
	if err := store.PutJSON(tx, spKey(p.ObjectID), p); err != nil {
		return err
	}
	tx.Put(appIDKey(p.AppID), []byte(p.ObjectID))
	return nil
}

// GetPrincipal returns the principal with objectID: false when there is
// none, an error when its record does not decode.
func GetPrincipal(r store.Reader, objectID string) (*identity.Principal, bool, error) {
	p, ok, err := store.LoadJSON[identity.Principal](r, spKey(objectID))
	if err != nil {
		return nil, false, fmt.Errorf("principal %s: %w", objectID, err)
	}
	return p, ok, nil
}

// PrincipalExists reports whether a principal with objectID exists,
// without decoding it (the token check asks on every request).
func PrincipalExists(r store.Reader, objectID string) bool {
	_, ok := r.Get(spKey(objectID))
	return ok
}

// PrincipalByAppID returns the principal signing in with appID, with its
// application's secrets merged in, or nil; a record that does not decode is
// an error.
func PrincipalByAppID(r store.Reader, appID string) (*identity.Principal, error) {
	oid, ok := r.Get(appIDKey(appID))
	if !ok {
		return nil, nil
	}
	p, ok, err := GetPrincipal(r, string(oid))
	if err != nil || !ok {
		return nil, err
	}
	app, ok, err := ApplicationByAppID(r, appID)
	if err != nil {
		return nil, err
	}
	if ok {
		p.Secrets = append(p.Secrets, app.Secrets...)
	}
	return p, nil
}

// DeletePrincipal removes the principal with objectID and its directory
// roles. A record that does not decode is an error: its appId index could
// not be removed with it.
func DeletePrincipal(tx store.Tx, objectID string) error {
	p, ok, err := GetPrincipal(tx, objectID)
	if err != nil {
		return err
	}
	if ok {
		tx.Delete(appIDKey(p.AppID))
	}
	tx.Delete(spKey(objectID))
	tx.Delete(dirRoleKey(objectID))
	return nil
}

// Principals calls fn for every principal, until fn returns false; a record
// that does not decode stops the scan with an error.
func Principals(r store.Reader, fn func(*identity.Principal) bool) error {
	var err error
	r.Scan("d/sp/", func(k string, v []byte) bool {
		var p identity.Principal
		if e := json.Unmarshal(v, &p); e != nil {
			err = fmt.Errorf("decode %s: %w", k, e)
			return false
		}
		return fn(&p)
	})
	return err
}

// NewManagedPrincipal returns the service principal behind a managed
// identity (user-assigned, or a cluster's system-assigned one).
func NewManagedPrincipal(tenantID, displayName, resourceID string) *identity.Principal {
	appID := arm.NewUUID()
	return &identity.Principal{
		ObjectID:                  arm.NewUUID(),
		AppID:                     appID,
		DisplayName:               displayName,
		Type:                      identity.PrincipalTypeServicePrincipal,
		TenantID:                  tenantID,
		ServicePrincipalNames:     []string{appID, "https://identity.azure.net/" + resourceID},
		ManagedIdentityResourceID: resourceID,
	}
}

// PutApplication stores an application and its appId index.
func PutApplication(tx store.Tx, a *Application) error {
	if err := store.PutJSON(tx, applicationKey(a.ID), a); err != nil {
		return err
	}
	tx.Put(appRegKey(a.AppID), []byte(a.ID))
	return nil
}

// GetApplication returns the application with object id: false when there
// is none, an error when its record does not decode.
func GetApplication(r store.Reader, id string) (*Application, bool, error) {
	a, ok, err := store.LoadJSON[Application](r, applicationKey(id))
	if err != nil {
		return nil, false, fmt.Errorf("application %s: %w", id, err)
	}
	return a, ok, nil
}

// ApplicationByAppID returns the application with appID, as GetApplication.
func ApplicationByAppID(r store.Reader, appID string) (*Application, bool, error) {
	id, ok := r.Get(appRegKey(appID))
	if !ok {
		return nil, false, nil
	}
	return GetApplication(r, string(id))
}

// Applications calls fn for every application, until fn returns false; a
// record that does not decode stops the scan with an error.
func Applications(r store.Reader, fn func(*Application) bool) error {
	var err error
	r.Scan("d/application/", func(k string, v []byte) bool {
		var a Application
		if e := json.Unmarshal(v, &a); e != nil {
			err = fmt.Errorf("decode %s: %w", k, e)
			return false
		}
		return fn(&a)
	})
	return err
}

// DeleteApplication removes the application with object id, as
// DeletePrincipal.
func DeleteApplication(tx store.Tx, id string) error {
	a, ok, err := GetApplication(tx, id)
	if err != nil {
		return err
	}
	if ok {
		tx.Delete(appRegKey(a.AppID))
	}
	tx.Delete(applicationKey(id))
	return nil
}
