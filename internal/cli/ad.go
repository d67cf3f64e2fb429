package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/spf13/cobra"
)

func init() {
	rootCommands = append(rootCommands, command.Lazy{Name: "ad", Build: newADCommand})
}

// adCredentialWarning is az's CREDENTIAL_WARNING.
const adCredentialWarning = "The output includes credentials that you must protect. Be sure that you do not include these " +
	"credentials in your code or check the credentials into your source control. For more information, see https://aka.ms/azadsp-cli"

// newADCommand mirrors the part of `az ad` aksnet serves.
func newADCommand(s Streams, g *command.Globals) *cobra.Command {
	sp := command.Group("sp", "Manage Microsoft Entra service principals.", newADSPCreateForRBACCommand(s, g))
	return command.Group("ad", "Manage Microsoft Entra ID (formerly known as Azure Active Directory, Azure AD, AAD) entities needed for Azure role-based access control (Azure RBAC) through Microsoft Graph API.", sp)
}

func newADSPCreateForRBACCommand(s Streams, g *command.Globals) *cobra.Command {
	var name, role string
	var scopes []string
	var years int
	var skipAssignment bool
	cmd := &cobra.Command{Use: "create-for-rbac", Short: "Create an application and its associated service principal, optionally configure the service principal's RBAC role assignments."}
	a := newRbacArgs(cmd)
	a.String(&name, "name", "n", "Display name of the service principal. If not present, default to azure-cli-%Y-%m-%d-%H-%M-%S where the suffix is the time of creation.")
	a.String(&name, "display-name", "", "Display name of the service principal (same as --name).")
	a.String(&role, "role", "", "Role of the service principal.")
	a.Nargs(&scopes, "scopes", "", "Space-separated list of scopes the service principal's role assignment applies to. e.g., "+
		"subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333/resourceGroups/myGroup, "+
		"/subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333/resourceGroups/myGroup/providers/Microsoft.Compute/virtualMachines/myVM")
	a.Int(&years, "years", 0, "Number of years for which the credentials will be valid. Default: 1 year")
	a.ThreeState(&skipAssignment, "skip-assignment", "No-op.")
	_ = cmd.Flags().MarkHidden("skip-assignment")
	_ = cmd.Flags().MarkHidden("display-name")
	a.done()
	cmd.RunE = cmdRun(s, g, func(e *env, _ *cobra.Command, _ []string) error {
		if (role != "") != (len(scopes) > 0) {
			// az raises ArgumentUsageError from the command: exit code 1.
			return rbacCLIError("Usage error: To create role assignments, specify both --role and --scopes.")
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
			sps, _, err := e.rbacGraphValues(http.MethodGet, rbacGraphFilter("servicePrincipals", fmt.Sprintf("displayName eq '%s'", displayName)), nil)
			if err != nil {
				return err
			}
			existingSPs = sps
		}
		start, end := now, now.AddDate(years, 0, 0)
		app, err := e.adCreateApplication(displayName)
		if err != nil {
			return err
		}
		appObjectID, appID := rbacStr(app, "id"), rbacStr(app, "appId")
		// For an existing application, delete all passwords first.
		if creds, ok := app["passwordCredentials"].([]any); ok {
			for _, c := range creds {
				cm, _ := c.(map[string]any)
				body := map[string]any{"keyId": rbacStr(cm, "keyId")}
				if _, err := e.adGraphObject(http.MethodPost, "/v1.0/applications/"+appObjectID+"/removePassword", body); err != nil {
					return err
				}
			}
		}
		pw, err := e.adGraphObject(http.MethodPost, "/v1.0/applications/"+appObjectID+"/addPassword", map[string]any{
			"passwordCredential": map[string]any{
				"displayName":   "rbac",
				"endDateTime":   end.Format("2006-01-02T15:04:05Z"),
				"startDateTime": start.Format("2006-01-02T15:04:05Z"),
			},
		})
		if err != nil {
			return err
		}
		password := rbacStr(pw, "secretText")
		var sp map[string]any
		if len(existingSPs) > 0 {
			sp = existingSPs[0]
		} else if sp, err = e.adGraphObject(http.MethodPost, "/v1.0/servicePrincipals", map[string]any{"appId": appID, "accountEnabled": true}); err != nil {
			e.Log.Warn("Creating service principal failed for '%s'. Trace followed:\n%s", appID, err)
			return err
		}
		spObjectID := rbacStr(sp, "id")
		if role != "" {
			for _, scope := range scopes {
				e.Log.Warn("Creating '%s' role assignment under scope '%s'", role, scope)
				_, err := e.rbacCreateAssignment(role, spObjectID, "", scope, "ServicePrincipal", "", "", "", "")
				switch {
				case err == nil:
				case rbacAssignmentExists(err):
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
			e.rbacProgName(), appID, tenant)
		return e.PrintValue(map[string]any{"appId": appID, "password": password, "displayName": displayName, "tenant": tenant})
	})
	return cmd
}

// rbacProgName is the program name as typed ("aksnet").
func (e *env) rbacProgName() string {
	if i := strings.IndexByte(e.Prog, ' '); i > 0 {
		return e.Prog[:i]
	}
	return e.Prog
}

// adCreateApplication is az's create_application for a display name: an
// existing application of that name is patched, else a new one is created.
func (e *env) adCreateApplication(displayName string) (map[string]any, error) {
	apps, _, err := e.rbacGraphValues(http.MethodGet, rbacGraphFilter("applications", fmt.Sprintf("startswith(displayName,'%s')", displayName)), nil)
	if err != nil {
		return nil, err
	}
	var same []map[string]any
	for _, a := range apps {
		if rbacStr(a, "displayName") == displayName {
			same = append(same, a)
		}
	}
	switch len(same) {
	case 0:
		return e.adGraphObject(http.MethodPost, "/v1.0/applications", map[string]any{"displayName": displayName, "keyCredentials": []any{}})
	case 1:
		id := rbacStr(same[0], "id")
		e.Log.Warn("Found an existing application instance: (id) %s. We will patch it.", id)
		if _, err := e.adGraphObject(http.MethodPatch, "/v1.0/applications/"+id, map[string]any{"displayName": displayName}); err != nil {
			return nil, err
		}
		return e.adGraphObject(http.MethodGet, "/v1.0/applications/"+id, nil)
	}
	ids := make([]string, len(same))
	for i, a := range same {
		ids[i] = rbacStr(a, "id")
	}
	return nil, rbacCLIError("More than one application have the same display name '%s': (id) %s, please remove them first.", displayName, strings.Join(ids, ", "))
}

// adGraphObject sends a Graph request answering one object (or nothing).
func (e *env) adGraphObject(method, path string, body any) (map[string]any, error) {
	r, err := e.rbacGraph(method, path, body)
	if err != nil {
		return nil, err
	}
	if r.Status >= 400 {
		return nil, rbacGraphError(r)
	}
	out := map[string]any{}
	if len(strings.TrimSpace(string(r.Body))) > 0 {
		if err := json.Unmarshal(r.Body, &out); err != nil {
			return nil, &output.Error{Code: 1, Message: fmt.Sprintf("decode Graph response: %v", err)}
		}
	}
	return out, nil
}
