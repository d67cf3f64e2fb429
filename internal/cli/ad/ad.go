// Package ad is `aksnet ad`: the part of az ad (sp create-for-rbac) that
// aksnet serves.
package ad

import (
	"fmt"
	"net/http"
	"time"

	"github.com/aksnet/aksnet/internal/cli/client"
	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/flags"
	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/spf13/cobra"
)

// adCredentialWarning is az's CREDENTIAL_WARNING.
const adCredentialWarning = "The output includes credentials that you must protect. Be sure that you do not include these " +
	"credentials in your code or check the credentials into your source control. For more information, see https://aka.ms/azadsp-cli"

// NewCommand mirrors the part of `az ad` aksnet serves.
func NewCommand(s command.Streams, g *command.Globals) *cobra.Command {
	sp := command.Group("sp", "Manage Microsoft Entra service principals.", newADSPCreateForRBACCommand(s, g))
	return command.Group("ad", "Manage Microsoft Entra ID (formerly known as Azure Active Directory, Azure AD, AAD) entities needed for Azure role-based access control (Azure RBAC) through Microsoft Graph API.", sp)
}

// createFlags are the arguments of `az ad sp create-for-rbac`.
type createFlags struct {
	name, role     string
	scopes         []string
	years          int
	skipAssignment bool
}

func newADSPCreateForRBACCommand(s command.Streams, g *command.Globals) *cobra.Command {
	f := &createFlags{}
	cmd := &cobra.Command{Use: "create-for-rbac", Short: "Create an application and its associated service principal, optionally configure the service principal's RBAC role assignments."}
	return command.Leaf(s, g, cmd, flags.Knack, func(a *flags.Set) {
		a.String(&f.name, "Display name of the service principal. If not present, default to azure-cli-%Y-%m-%d-%H-%M-%S where the suffix is the time of creation.", "--name", "-n")
		a.String(&f.name, "Display name of the service principal (same as --name).", "--display-name").Hidden()
		a.String(&f.role, "Role of the service principal.", "--role")
		a.List(&f.scopes, "Space-separated list of scopes the service principal's role assignment applies to. e.g., "+
			"subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333/resourceGroups/myGroup, "+
			"/subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333/resourceGroups/myGroup/providers/Microsoft.Compute/virtualMachines/myVM", "--scopes")
		a.Int(&f.years, "Number of years for which the credentials will be valid. Default: 1 year", "--years")
		a.Bool(&f.skipAssignment, "No-op.", "--skip-assignment").Hidden()
	}, func(e *command.Env) error {
		if (f.role != "") != (len(f.scopes) > 0) {
			// az raises ArgumentUsageError from the command: exit code 1.
			return output.CLIError("Usage error: To create role assignments, specify both --role and --scopes.")
		}
		if f.years <= 0 {
			f.years = 1
		}
		now := time.Now().UTC()
		displayName, existingSPs, err := f.displayName(e, now)
		if err != nil {
			return err
		}
		app, err := e.Client.CreateApplication(displayName)
		if err != nil {
			return err
		}
		appID := client.Str(app, "appId")
		password, err := resetPassword(e, app, now, now.AddDate(f.years, 0, 0))
		if err != nil {
			return err
		}
		sp, err := servicePrincipal(e, appID, existingSPs)
		if err != nil {
			return err
		}
		if err := f.assignRoles(e, client.Str(sp, "id")); err != nil {
			return err
		}
		e.Log.Warn("%s", adCredentialWarning)
		tenant := e.Client.TenantID()
		// The password goes to the result only: --verbose and --debug output
		// end up in CI logs.
		e.Log.Info("To log in with this service principal, run:\n%s login --service-principal --username %s --password <password from the output> --tenant %s",
			e.ProgName(), appID, tenant)
		return e.PrintValue(map[string]any{"appId": appID, "password": password, "displayName": displayName, "tenant": tenant})
	})
}

// displayName is --name, or az's azure-cli-<time> default; for a given
// name it also returns the service principals that have it already, so
// that the command is idempotent.
func (f *createFlags) displayName(e *command.Env, now time.Time) (string, []map[string]any, error) {
	if f.name == "" {
		return "azure-cli-" + now.Format("2006-01-02-15-04-05"), nil, nil
	}
	sps, _, err := e.Client.GraphValues(http.MethodGet, client.GraphFilter("servicePrincipals", fmt.Sprintf("displayName eq '%s'", f.name)), nil)
	return f.name, sps, err
}

// resetPassword deletes the application's passwords and adds one valid
// from start to end, returning its secret.
func resetPassword(e *command.Env, app map[string]any, start, end time.Time) (string, error) {
	appObjectID := client.Str(app, "id")
	if creds, ok := app["passwordCredentials"].([]any); ok {
		for _, c := range creds {
			cm, _ := c.(map[string]any)
			body := map[string]any{"keyId": client.Str(cm, "keyId")}
			if _, err := e.Client.GraphObject(http.MethodPost, "/v1.0/applications/"+appObjectID+"/removePassword", body); err != nil {
				return "", err
			}
		}
	}
	pw, err := e.Client.GraphObject(http.MethodPost, "/v1.0/applications/"+appObjectID+"/addPassword", map[string]any{
		"passwordCredential": map[string]any{
			"displayName":   "rbac",
			"endDateTime":   end.Format("2006-01-02T15:04:05Z"),
			"startDateTime": start.Format("2006-01-02T15:04:05Z"),
		},
	})
	if err != nil {
		return "", err
	}
	return client.Str(pw, "secretText"), nil
}

// servicePrincipal is the first of existing, or a new service principal
// for appID.
func servicePrincipal(e *command.Env, appID string, existing []map[string]any) (map[string]any, error) {
	if len(existing) > 0 {
		return existing[0], nil
	}
	sp, err := e.Client.GraphObject(http.MethodPost, "/v1.0/servicePrincipals", map[string]any{"appId": appID, "accountEnabled": true})
	if err != nil {
		e.Log.Warn("Creating service principal failed for '%s'. Trace followed:\n%s", appID, err)
		return nil, err
	}
	return sp, nil
}

// assignRoles gives the service principal --role on every --scopes; an
// assignment that exists already is fine.
func (f *createFlags) assignRoles(e *command.Env, spObjectID string) error {
	if f.role == "" {
		return nil
	}
	for _, scope := range f.scopes {
		e.Log.Warn("Creating '%s' role assignment under scope '%s'", f.role, scope)
		_, err := e.Client.CreateAssignment(f.role, spObjectID, "", scope, "ServicePrincipal", "", "", "", "")
		switch {
		case err == nil:
		case client.AssignmentExists(err):
			e.Log.Warn("  Role assignment already exists.\n")
		default:
			e.Log.Warn("  Role assignment creation failed.\n")
			return err
		}
	}
	return nil
}
