package rbac

import "strings"

// Role types, as Azure spells them in a role definition's roleType property.
const (
	RoleTypeBuiltIn = "BuiltInRole"
	RoleTypeCustom  = "CustomRole"
)

// GUIDs of the built-in roles this package knows. They are Azure's own and the
// same in every tenant.
const (
	OwnerRoleID                   = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
	ContributorRoleID             = "b24988ac-6180-42a0-ab88-20f7382dd24c"
	ReaderRoleID                  = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
	UserAccessAdministratorRoleID = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
	NetworkContributorRoleID      = "4d97b98b-1d4f-4787-a291-c67834d212e7"
	ManagedIdentityOperatorRoleID = "f1a07417-d97a-45cb-824c-7a7467783830"
	AKSContributorRoleID          = "ed7f3fbd-7b88-4dd4-9017-9adb7ce333f8"
	AKSClusterAdminRoleID         = "0ab0b1a8-8aac-4efd-b8c2-3ee1fb270be8"
	AKSClusterUserRoleID          = "4abbcc35-e782-43d8-92c5-2d3f1bd2253f"
	AKSClusterMonitoringUserID    = "1afdec4b-e479-420e-99e7-f82237c7c5e6"
)

// roleDefinitionsPath is the path segment that precedes a role definition GUID
// in a role definition id.
const roleDefinitionsPath = "/providers/Microsoft.Authorization/roleDefinitions/"

// Permission is one permission block of a role definition. An action is granted
// when it matches one of Actions and none of NotActions (see Allows). DataActions
// and NotDataActions are kept for display only. The JSON tags match the
// permissions array of ARM's role definition properties.
type Permission struct {
	Actions        []string `json:"actions"`
	NotActions     []string `json:"notActions"`
	DataActions    []string `json:"dataActions"`
	NotDataActions []string `json:"notDataActions"`
}

// RoleDefinition is an Azure role definition. ID is the bare GUID (the ARM
// resource name), not the full resource id; RoleDefinitionID builds that.
// RoleType is RoleTypeBuiltIn or RoleTypeCustom.
//
// It carries no JSON tags: the ARM wire shape (id, name, type and a properties
// object whose "type" holds RoleType) belongs to the provider that serves it.
type RoleDefinition struct {
	ID               string
	RoleName         string
	Description      string
	RoleType         string
	Permissions      []Permission
	AssignableScopes []string
}

// Allows reports whether any permission block of d allows action on the control
// plane. Blocks are evaluated separately: a NotAction only removes what its own
// block grants.
func (d RoleDefinition) Allows(action string) bool {
	for _, p := range d.Permissions {
		if p.Allows(action) {
			return true
		}
	}
	return false
}

// builtIns holds the built-in roles in a fixed order. The permissions are copied
// from Azure's published built-in role definitions; never hand out these slices,
// hand out clones.
var builtIns = []RoleDefinition{
	{
		ID:          OwnerRoleID,
		RoleName:    "Owner",
		Description: "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.",
		Permissions: []Permission{{Actions: []string{"*"}}},
	},
	{
		ID:          ContributorRoleID,
		RoleName:    "Contributor",
		Description: "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, manage assignments in Azure Blueprints, or share image galleries.",
		Permissions: []Permission{{
			Actions: []string{"*"},
			NotActions: []string{
				"Microsoft.Authorization/*/Delete",
				"Microsoft.Authorization/*/Write",
				"Microsoft.Authorization/elevateAccess/Action",
				"Microsoft.Blueprint/blueprintAssignments/write",
				"Microsoft.Blueprint/blueprintAssignments/delete",
				"Microsoft.Compute/galleries/share/action",
				"Microsoft.Purview/consents/write",
				"Microsoft.Purview/consents/delete",
				"Microsoft.Resources/deploymentStacks/manageDenySetting/action",
				"Microsoft.Subscription/cancel/action",
				"Microsoft.Subscription/enable/action",
			},
		}},
	},
	{
		ID:          ReaderRoleID,
		RoleName:    "Reader",
		Description: "View all resources, but does not allow you to make any changes.",
		Permissions: []Permission{{Actions: []string{"*/read"}}},
	},
	{
		ID:          UserAccessAdministratorRoleID,
		RoleName:    "User Access Administrator",
		Description: "Lets you manage user access to Azure resources.",
		Permissions: []Permission{{Actions: []string{
			"*/read",
			"Microsoft.Authorization/*",
			"Microsoft.Support/*",
		}}},
	},
	{
		ID:          NetworkContributorRoleID,
		RoleName:    "Network Contributor",
		Description: "Lets you manage networks, but not access to them.",
		Permissions: []Permission{{Actions: []string{
			"Microsoft.Authorization/*/read",
			"Microsoft.Insights/alertRules/*",
			"Microsoft.Network/*",
			"Microsoft.ResourceHealth/availabilityStatuses/read",
			"Microsoft.Resources/deployments/*",
			"Microsoft.Resources/subscriptions/resourceGroups/read",
			"Microsoft.Support/*",
		}}},
	},
	{
		ID:          ManagedIdentityOperatorRoleID,
		RoleName:    "Managed Identity Operator",
		Description: "Read and Assign User Assigned Identity",
		Permissions: []Permission{{Actions: []string{
			"Microsoft.ManagedIdentity/userAssignedIdentities/*/read",
			"Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action",
			"Microsoft.Authorization/*/read",
			"Microsoft.Insights/alertRules/*",
			"Microsoft.Resources/subscriptions/resourceGroups/read",
			"Microsoft.Resources/deployments/*",
			"Microsoft.Support/*",
		}}},
	},
	{
		ID:          AKSContributorRoleID,
		RoleName:    "Azure Kubernetes Service Contributor Role",
		Description: "Grants access to read and write Azure Kubernetes Service clusters",
		Permissions: []Permission{{Actions: []string{
			"Microsoft.ContainerService/managedClusters/read",
			"Microsoft.ContainerService/managedClusters/write",
			"Microsoft.Resources/deployments/*",
		}}},
	},
	// The roles that may fetch a cluster's kubeconfigs (learn.microsoft.com,
	// azure/aks/concepts-identity "AKS cluster identity permissions", and the
	// built-in roles reference).
	{
		ID:          AKSClusterAdminRoleID,
		RoleName:    "Azure Kubernetes Service Cluster Admin Role",
		Description: "List cluster admin credential action.",
		Permissions: []Permission{{Actions: []string{
			"Microsoft.ContainerService/managedClusters/listClusterAdminCredential/action",
			"Microsoft.ContainerService/managedClusters/accessProfiles/listCredential/action",
			"Microsoft.ContainerService/managedClusters/read",
			"Microsoft.ContainerService/managedClusters/runcommand/action",
		}}},
	},
	{
		ID:          AKSClusterUserRoleID,
		RoleName:    "Azure Kubernetes Service Cluster User Role",
		Description: "List cluster user credential action.",
		Permissions: []Permission{{Actions: []string{
			"Microsoft.ContainerService/managedClusters/listClusterUserCredential/action",
			"Microsoft.ContainerService/managedClusters/read",
		}}},
	},
	{
		ID:          AKSClusterMonitoringUserID,
		RoleName:    "Azure Kubernetes Service Cluster Monitoring User",
		Description: "List cluster monitoring user credential action.",
		Permissions: []Permission{{Actions: []string{
			"Microsoft.ContainerService/managedClusters/listClusterMonitoringUserCredential/action",
			"Microsoft.ContainerService/managedClusters/read",
		}}},
	},
}

func init() {
	// Fields every built-in role shares, filled in once rather than repeated.
	for i := range builtIns {
		d := &builtIns[i]
		d.RoleType = RoleTypeBuiltIn
		d.AssignableScopes = []string{"/"}
		for j := range d.Permissions {
			p := &d.Permissions[j]
			p.NotActions = nonNil(p.NotActions)
			p.DataActions = nonNil(p.DataActions)
			p.NotDataActions = nonNil(p.NotDataActions)
		}
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Clone returns a deep copy of d, so that the copy's slices can be changed
// without touching d.
func (d RoleDefinition) Clone() RoleDefinition {
	c := d
	c.AssignableScopes = cloneStrings(d.AssignableScopes)
	if d.Permissions != nil {
		c.Permissions = make([]Permission, len(d.Permissions))
		for i, p := range d.Permissions {
			c.Permissions[i] = Permission{
				Actions:        cloneStrings(p.Actions),
				NotActions:     cloneStrings(p.NotActions),
				DataActions:    cloneStrings(p.DataActions),
				NotDataActions: cloneStrings(p.NotDataActions),
			}
		}
	}
	return c
}

func cloneStrings(s []string) []string {
	if s == nil {
		return nil
	}
	return append([]string{}, s...)
}

// BuiltIns returns the built-in role definitions this package knows (Owner,
// Contributor, Reader, User Access Administrator, Network Contributor, Managed
// Identity Operator, Azure Kubernetes Service Contributor Role, Cluster Admin
// Role, Cluster User Role and Cluster Monitoring User), in that fixed order. The result is a fresh deep copy on every call.
func BuiltIns() []RoleDefinition {
	out := make([]RoleDefinition, len(builtIns))
	for i, d := range builtIns {
		out[i] = d.Clone()
	}
	return out
}

// BuiltInByName returns the built-in role whose RoleName equals name, ignoring
// case (for example "network contributor"), as a deep copy.
func BuiltInByName(name string) (RoleDefinition, bool) {
	for _, d := range builtIns {
		if strings.EqualFold(d.RoleName, name) {
			return d.Clone(), true
		}
	}
	return RoleDefinition{}, false
}

// BuiltInByID returns the built-in role with the given GUID, ignoring case, as a
// deep copy. id may also be a full role definition id (see RoleDefinitionGUID).
// BuiltInByID has the signature NewAuthorizer expects of its resolve function.
func BuiltInByID(id string) (RoleDefinition, bool) {
	guid, ok := RoleDefinitionGUID(id)
	if !ok {
		return RoleDefinition{}, false
	}
	for _, d := range builtIns {
		if d.ID == guid {
			return d.Clone(), true
		}
	}
	return RoleDefinition{}, false
}

// RoleDefinitionGUID extracts the lowercased GUID from a role definition
// reference. It accepts a bare GUID and any id of the form
// "{scope}/providers/Microsoft.Authorization/roleDefinitions/{GUID}", such as
// "/subscriptions/S/providers/Microsoft.Authorization/roleDefinitions/G" or
// "/providers/Microsoft.Authorization/roleDefinitions/G", ignoring case. It
// reports false when ref is neither, or when the GUID is not a GUID.
func RoleDefinitionGUID(ref string) (string, bool) {
	ref = strings.TrimRight(ref, "/")
	guid := ref
	if strings.Contains(ref, "/") {
		i := len(ref) - 36 - len(roleDefinitionsPath)
		if i < 0 || !strings.EqualFold(ref[i:i+len(roleDefinitionsPath)], roleDefinitionsPath) {
			return "", false
		}
		guid = ref[i+len(roleDefinitionsPath):]
	}
	if !IsGUID(guid) {
		return "", false
	}
	return strings.ToLower(guid), true
}

// RoleDefinitionID returns the full resource id of the role definition guid as
// ARM shows it under a subscription:
// "/subscriptions/{subscriptionID}/providers/Microsoft.Authorization/roleDefinitions/{guid}".
// With an empty subscriptionID it returns the tenant-level form
// "/providers/Microsoft.Authorization/roleDefinitions/{guid}".
func RoleDefinitionID(subscriptionID, guid string) string {
	if subscriptionID == "" {
		return roleDefinitionsPath + guid
	}
	return "/subscriptions/" + subscriptionID + roleDefinitionsPath + guid
}
