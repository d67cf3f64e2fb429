package managedidentity

import (
	"encoding/json"
	"regexp"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/msi/armmsi"
	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/directory"
	"github.com/aksnet/aksnet/internal/provider/resources"
)

// TypeUserAssignedIdentity is the resource type of user-assigned identities.
const TypeUserAssignedIdentity = "Microsoft.ManagedIdentity/userAssignedIdentities"

// ActionAssign is what ARM requires of a caller on a user-assigned identity
// that a request attaches to a resource (see arm.Link). Managed Identity
// Operator, Contributor and Owner grant it; Reader does not.
const ActionAssign = "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action"

var nameRule = arm.NameRule{Type: "user-assigned identity", Min: 3, Max: 128,
	Pattern: regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`),
	Explain: "alphanumerics, hyphens and underscores, starting with a letter or number"}

// Register adds the Microsoft.ManagedIdentity kinds. tenantID is the tenant
// the identities' principals live in.
func Register(reg *arm.Registry, tenantID string) {
	reg.Register(&arm.Kind{
		Type:               TypeUserAssignedIdentity,
		Model:              armmsi.Identity{},
		Tracked:            true,
		ListBySubscription: true,
		ValidName:          nameRule.Check,
		// The MSI API deletes synchronously (200 or 204); its clients
		// refuse a 202.
		SyncDelete: true,
		Put: func(c *arm.Call) ([]byte, error) {
			return putIdentity(c, tenantID)
		},
		AfterDelete: func(c *arm.Call) error {
			if c.Existing == nil {
				return nil // nothing was stored, so no principal either
			}
			var old armmsi.Identity
			if err := c.DecodeExisting(&old); err != nil {
				return err
			}
			if old.Properties != nil && old.Properties.PrincipalID != nil {
				return directory.DeletePrincipal(c.Tx, *old.Properties.PrincipalID)
			}
			return nil
		},
	})
}

func putIdentity(c *arm.Call, tenantID string) ([]byte, error) {
	var in armmsi.Identity
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	if err := resources.RequireLocation(in.Location); err != nil {
		return nil, err
	}
	out := armmsi.Identity{
		ID:       to.Ptr(c.ID),
		Name:     to.Ptr(arm.LastName(c.ID)),
		Type:     to.Ptr(TypeUserAssignedIdentity),
		Location: to.Ptr(resources.NormalizeLocation(*in.Location)),
		Tags:     in.Tags,
	}
	var old armmsi.Identity
	if c.Existing != nil {
		// An identity that does not decode must not get a second principal.
		if err := c.DecodeExisting(&old); err != nil {
			return nil, err
		}
	}
	if old.Properties != nil {
		// The principal behind an identity never changes.
		out.Properties = old.Properties
		raw, err := json.Marshal(out)
		return raw, err
	}
	p := directory.NewManagedPrincipal(tenantID, *out.Name, c.ID)
	if err := directory.PutPrincipal(c.Tx, p); err != nil {
		return nil, err
	}
	out.Properties = &armmsi.UserAssignedIdentityProperties{
		TenantID:    to.Ptr(tenantID),
		PrincipalID: to.Ptr(p.ObjectID),
		ClientID:    to.Ptr(p.AppID),
	}
	return json.Marshal(out)
}

// Lookup returns the principal and client ids of the stored identity id.
func Lookup(c *arm.Call, id string) (principalID, clientID, canonicalID string, ok bool) {
	// Only an identity's id may be loaded as one: another resource's
	// document decodes without its principal and client ids.
	if !arm.IsUserAssignedIdentityID(id) {
		return "", "", "", false
	}
	var m armmsi.Identity
	found, err := c.Load(id, &m)
	if err != nil || !found || m.ID == nil || m.Properties == nil || m.Properties.PrincipalID == nil || m.Properties.ClientID == nil {
		return "", "", "", false
	}
	return *m.Properties.PrincipalID, *m.Properties.ClientID, *m.ID, true
}
