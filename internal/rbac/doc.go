// Package rbac is aksnet's model of Azure role-based access control for the
// control plane: built-in role definitions, role assignments, scopes, action
// matching and the OData filters that az sends when it lists them.
//
// The package is pure Go. It does no I/O and knows nothing about HTTP or
// storage: the ARM layer turns a request into an action with ActionFor, asks an
// Authorizer built from the stored assignments whether the caller may perform
// it, and turns the *azerr.Error it gets back into Azure's error envelope.
//
// # Concepts
//
//   - A role definition (RoleDefinition) is a named set of permissions. Each
//     Permission lists the Actions it grants and the NotActions it carves out
//     of them. Built-in roles carry Azure's real GUIDs and permissions (see
//     BuiltIns); custom roles are supplied by the caller through a resolve
//     function.
//   - A scope is an ARM id: "/" (the root), "/subscriptions/S",
//     "/subscriptions/S/resourceGroups/RG" or the id of a resource. A scope
//     contains itself and everything below it, segment by segment and
//     case-insensitively (ScopeContains).
//   - A role assignment (Assignment) gives one principal one role at one scope.
//     Permissions are inherited downwards: an assignment on a resource group
//     covers every resource in it.
//   - An action is a string such as
//     "Microsoft.Network/virtualNetworks/subnets/join/action". Patterns in role
//     definitions may contain "*" wildcards (MatchAction).
//
// # Decisions
//
//   - Permissions from several assignments add up: the caller is allowed an
//     action when any one of its assignments allows it. NotActions only narrow
//     the role they belong to; they are not deny rules (Azure deny assignments
//     are not modelled).
//   - Only control-plane Actions are evaluated. DataActions are stored and
//     returned but never checked.
//   - Principals are matched by object id only. Group membership is not
//     modelled, so assignedTo('X') behaves like principalId eq 'X'.
//   - A custom role grants only within its assignable scopes: an assignment
//     outside them grants nothing (NewAuthorizer) and is refused when made
//     (RoleDefinitionNotAssignable). Writing a custom role takes
//     roleDefinitions/write at every assignable scope it has and had
//     (DefinitionWriteScopes).
//   - Error codes are Azure's: AuthorizationFailed (403), RoleAssignmentExists
//     (409), InvalidRoleAssignmentId (400), UnsupportedQuery (400, target
//     "$filter"), and for custom roles RoleDefinitionExists (409),
//     MissingAssignableScopes and LinkedInvalidPropertyId (400),
//     RoleDefinitionDoesNotExist and RoleDefinitionHasAssignments.
package rbac
