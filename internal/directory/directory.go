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

func dirRoleKey(objectID string) string { return "d/role/" + strings.ToLower(objectID) }

// indexed is how one kind of directory object is stored: as JSON at prefix
// plus its lower-cased id, with an index from indexPrefix plus its
// lower-cased appId to its id.
type indexed[T any] struct {
	what        string // names a record in errors
	prefix      string
	indexPrefix string
	ids         func(*T) (id, appID string)
}

var (
	principals = indexed[identity.Principal]{what: "principal", prefix: "d/sp/", indexPrefix: "d/app/",
		ids: func(p *identity.Principal) (string, string) { return p.ObjectID, p.AppID }}
	applications = indexed[Application]{what: "application", prefix: "d/application/", indexPrefix: "d/appid/",
		ids: func(a *Application) (string, string) { return a.ID, a.AppID }}
)

func (x indexed[T]) key(id string) string         { return x.prefix + strings.ToLower(id) }
func (x indexed[T]) indexKey(appID string) string { return x.indexPrefix + strings.ToLower(appID) }

// put stores v and its appId index.
func (x indexed[T]) put(tx store.Tx, v *T) error {
	id, appID := x.ids(v)
	if err := store.PutJSON(tx, x.key(id), v); err != nil {
		return err
	}
	tx.Put(x.indexKey(appID), []byte(id))
	return nil
}

// get returns the object with id: false when there is none, an error when
// its record does not decode.
func (x indexed[T]) get(r store.Reader, id string) (*T, bool, error) {
	v, ok, err := store.LoadJSON[T](r, x.key(id))
	if err != nil {
		return nil, false, fmt.Errorf("%s %s: %w", x.what, id, err)
	}
	return v, ok, nil
}

// byAppID returns the object the appId index names, as get.
func (x indexed[T]) byAppID(r store.Reader, appID string) (*T, bool, error) {
	id, ok := r.Get(x.indexKey(appID))
	if !ok {
		return nil, false, nil
	}
	return x.get(r, string(id))
}

// remove deletes the object with id and its appId index. A record that does
// not decode is an error: its index could not be removed with it.
func (x indexed[T]) remove(tx store.Tx, id string) error {
	v, ok, err := x.get(tx, id)
	if err != nil {
		return err
	}
	if ok {
		_, appID := x.ids(v)
		tx.Delete(x.indexKey(appID))
	}
	tx.Delete(x.key(id))
	return nil
}

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
func PutPrincipal(tx store.Tx, p *identity.Principal) error { return principals.put(tx, p) }

// GetPrincipal returns the principal with objectID: false when there is
// none, an error when its record does not decode.
func GetPrincipal(r store.Reader, objectID string) (*identity.Principal, bool, error) {
	return principals.get(r, objectID)
}

// PrincipalExists reports whether a principal with objectID exists,
// without decoding it (the token check asks on every request).
func PrincipalExists(r store.Reader, objectID string) bool {
	_, ok := r.Get(principals.key(objectID))
	return ok
}

// PrincipalByAppID returns the principal signing in with appID, with its
// application's secrets merged in, or nil; a record that does not decode is
// an error.
func PrincipalByAppID(r store.Reader, appID string) (*identity.Principal, error) {
	p, ok, err := principals.byAppID(r, appID)
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
	if err := principals.remove(tx, objectID); err != nil {
		return err
	}
	tx.Delete(dirRoleKey(objectID))
	return nil
}

// Principals calls fn for every principal, until fn returns false; a record
// that does not decode stops the scan with an error.
func Principals(r store.Reader, fn func(*identity.Principal) bool) error {
	return store.ScanJSON(r, principals.prefix, fn)
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
func PutApplication(tx store.Tx, a *Application) error { return applications.put(tx, a) }

// GetApplication returns the application with object id: false when there
// is none, an error when its record does not decode.
func GetApplication(r store.Reader, id string) (*Application, bool, error) {
	return applications.get(r, id)
}

// ApplicationByAppID returns the application with appID, as GetApplication.
func ApplicationByAppID(r store.Reader, appID string) (*Application, bool, error) {
	return applications.byAppID(r, appID)
}

// Applications calls fn for every application, until fn returns false; a
// record that does not decode stops the scan with an error.
func Applications(r store.Reader, fn func(*Application) bool) error {
	return store.ScanJSON(r, applications.prefix, fn)
}

// DeleteApplication removes the application with object id, as
// DeletePrincipal.
func DeleteApplication(tx store.Tx, id string) error { return applications.remove(tx, id) }
