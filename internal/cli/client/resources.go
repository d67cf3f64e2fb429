package client

// ResourceGroup is the body of a resource group PUT; nil tags are left
// out.
func ResourceGroup(location string, tags map[string]string) map[string]any {
	body := map[string]any{"location": location}
	if tags != nil {
		body["tags"] = tags
	}
	return body
}

// TypeUserAssignedIdentity is the ARM type of a user-assigned managed
// identity.
const TypeUserAssignedIdentity = "Microsoft.ManagedIdentity/userAssignedIdentities"
