package rbac

import (
	"net/http"
	"strings"
)

// ActionFor returns the Azure RBAC action an ARM request performs on a resource
// of resourceType, the full type such as
// "Microsoft.Network/virtualNetworks/subnets",
// "Microsoft.Resources/subscriptions/resourceGroups" or
// "Microsoft.Authorization/roleAssignments":
//
//   - isAction (a POST to …/{actionName}): "{type}/{actionName}/action",
//     for example "Microsoft.ContainerService/managedClusters/listClusterUserCredential/action";
//     with an empty actionName, "{type}/action";
//   - GET and HEAD: "{type}/read";
//   - PUT and PATCH: "{type}/write";
//   - DELETE: "{type}/delete";
//   - POST without an action: "{type}/action".
//
// The method is compared case-insensitively. For any other method ActionFor
// returns "", which no role allows; the front door should answer 405 before it
// asks. Casing of the result follows the inputs, which is enough because
// action matching ignores case.
func ActionFor(method string, resourceType string, isAction bool, actionName string) string {
	resourceType = strings.TrimRight(resourceType, "/")
	if isAction {
		if actionName == "" {
			return resourceType + "/action"
		}
		return resourceType + "/" + actionName + "/action"
	}
	switch strings.ToUpper(method) {
	case http.MethodGet, http.MethodHead:
		return resourceType + "/read"
	case http.MethodPut, http.MethodPatch:
		return resourceType + "/write"
	case http.MethodDelete:
		return resourceType + "/delete"
	case http.MethodPost:
		return resourceType + "/action"
	}
	return ""
}
