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

func newADSPCreateForRBACCommand(s command.Streams, g *command.Globals) *cobra.Command {
	var name, role string
	var scopes []string
	var years int
	var skipAssignment bool
	cmd := &cobra.Command{Use: "create-for-rbac", Short: "Create an application and its associated service principal, optionally configure the service principal's RBAC role assignments."}
	a := flags.New(cmd, flags.Knack)
	a.String(&name, "Display name of the service principal. If not present, default to azure-cli-%Y-%m-%d-%H-%M-%S where the suffix is the time of creation.", "--name", "-n")
	a.String(&name, "Display name of the service principal (same as --name).", "--display-name")
	a.String(&role, "Role of the service principal.", "--role")
	a.List(&scopes, "Space-separated list of scopes the service principal's role assignment applies to. e.g., "+
		"subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333/resourceGroups/myGroup, "+
		"/subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333/resourceGroups/myGroup/providers/Microsoft.Compute/virtualMachines/myVM", "--scopes")
	a.Int(&years, "Number of years for which the credentials will be valid. Default: 1 year", "--years")
	a.Bool(&skipAssignment, "No-op.", "--skip-assignment")
	_ = cmd.Flags().MarkHidden("skip-assignment")
	_ = cmd.Flags().MarkHidden("display-name")
	a.Done()
	cmd.RunE = command.Run(s, g, func(e *command.Env, _ *cobra.Command, _ []string) error {
		if (role != "") != (len(scopes) > 0) {
			// az raises ArgumentUsageError from the command: exit code 1.
			return output.CLIError("Usage error: To create role assignments, specify both --role and --scopes.")
		}
		if years <= 0 {
			years = 1
		}
		now := time.Now().UTC()
		displayName := name
		var existingSPs []map[string]any
		if displayName == "" {
			displayName = "azure-cli-" + now.Format("2006-01-02-15-04-05")
		} else {
			// Patch an existing app with the same display name, to make the
			// command idempotent.
			sps, _, err := e.Client.GraphValues(http.MethodGet, client.GraphFilter("servicePrincipals", fmt.Sprintf("displayName eq '%s'", displayName)), nil)
			if err != nil {
				return err
			}
			existingSPs = sps
		}
		start, end := now, now.AddDate(years, 0, 0)
		app, err := e.Client.CreateApplication(displayName)
		if err != nil {
			return err
		}
		appObjectID, appID := client.Str(app, "id"), client.Str(app, "appId")
		// For an existing application, delete all passwords first.
		if creds, ok := app["passwordCredentials"].([]any); ok {
			for _, c := range creds {
				cm, _ := c.(map[string]any)
				body := map[string]any{"keyId": client.Str(cm, "keyId")}
				if _, err := e.Client.GraphObject(http.MethodPost, "/v1.0/applications/"+appObjectID+"/removePassword", body); err != nil {
					return err
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
			return err
		}
		password := client.Str(pw, "secretText")
		var sp map[string]any
		if len(existingSPs) > 0 {
			sp = existingSPs[0]
		} else if sp, err = e.Client.GraphObject(http.MethodPost, "/v1.0/servicePrincipals", map[string]any{"appId": appID, "accountEnabled": true}); err != nil {
			e.Log.Warn("Creating service principal failed for '%s'. Trace followed:\n%s", appID, err)
			return err
		}
		spObjectID := client.Str(sp, "id")
		if role != "" {
			for _, scope := range scopes {
				e.Log.Warn("Creating '%s' role assignment under scope '%s'", role, scope)
				_, err := e.Client.CreateAssignment(role, spObjectID, "", scope, "ServicePrincipal", "", "", "", "")
				switch {
				case err == nil:
				case client.AssignmentExists(err):
					e.Log.Warn("  Role assignment already exists.\n")
				default:
					e.Log.Warn("  Role assignment creation failed.\n")
					return err
				}
			}
		}
		e.Log.Warn("%s", adCredentialWarning)
		tenant := e.Client.TenantID()
		// The password goes to the result only: --verbose and --debug output
		// end up in CI logs.
		e.Log.Info("To log in with this service principal, run:\n%s login --service-principal --username %s --password <password from the output> --tenant %s",
			e.ProgName(), appID, tenant)
		return e.PrintValue(map[string]any{"appId": appID, "password": password, "displayName": displayName, "tenant": tenant})
	})
	return cmd
}
