package arm

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/aksnet/aksnet/internal/azerr"
)

// TypeUserAssignedIdentity is the resource type a key of
// identity.userAssignedIdentities must name.
const TypeUserAssignedIdentity = "Microsoft.ManagedIdentity/userAssignedIdentities"

// checkRequestBody runs the checks ARM's front door makes on every PUT or
// PATCH body before a resource provider sees it.
func checkRequestBody(k *Kind, body []byte) error {
	if err := checkLocation(k, body); err != nil {
		return err
	}
	return checkUserAssignedIdentities(body)
}

// checkUserAssignedIdentities refuses an identity.userAssignedIdentities
// key that is not the fully qualified id of a user-assigned identity, for
// every kind that accepts an identity. ARM answers a key that isn't a
// resource id with 400 LinkedInvalidPropertyId ("Property id 'x' at path
// '…' is invalid. Expect fully qualified resource Id that start with
// '/subscriptions/{subscriptionId}' or '/providers/{resourceProviderNamespace}/'.",
// as seen in MicrosoftDocs/azure-docs#112377); a well-formed id of another
// type gets the same code, since it doesn't name an identity either.
func checkUserAssignedIdentities(body []byte) error {
	// A body that names no identity has nothing to check: skip decoding it
	// again on every PUT. encoding/json matches member names without
	// regard to case, and a backslash may escape any of the name's letters.
	if len(body) == 0 || !containsFoldASCII(body, "identity") && bytes.IndexByte(body, '\\') < 0 {
		return nil
	}
	var doc struct {
		Identity *struct {
			UserAssignedIdentities map[string]json.RawMessage `json:"userAssignedIdentities"`
		} `json:"identity"`
	}
	// A body whose identity has another shape is the kind's to refuse when
	// it decodes it.
	if json.Unmarshal(body, &doc) != nil || doc.Identity == nil {
		return nil
	}
	for key := range doc.Identity.UserAssignedIdentities {
		if IsUserAssignedIdentityID(key) {
			continue
		}
		path := "identity.userAssignedIdentities['" + key + "']"
		return azerr.BadRequest("LinkedInvalidPropertyId", "identity.userAssignedIdentities",
			"Property id '%s' at path '%s' is invalid. Expect fully qualified resource Id that start with '/subscriptions/{subscriptionId}' or '/providers/{resourceProviderNamespace}/'. It must name a resource of type '%s'.",
			key, path, TypeUserAssignedIdentity)
	}
	return nil
}

// IsUserAssignedIdentityID reports whether id is the fully qualified id of a
// user-assigned identity:
// /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}.
func IsUserAssignedIdentityID(id string) bool {
	if !strings.HasPrefix(id, "/") || strings.HasSuffix(id, "/") {
		return false
	}
	p, err := ParseID(id)
	if err != nil || p.Subscription == "" || p.ResourceGroup == "" || p.IsCollection() || len(p.Names) != 1 {
		return false
	}
	if !strings.EqualFold(p.Scope, ResourceGroupID(p.Subscription, p.ResourceGroup)) {
		return false
	}
	return strings.EqualFold(p.FullType(), TypeUserAssignedIdentity) && validIDSegments(id)
}

// validIDSegments refuses ids carrying characters no ARM name holds and
// that would be dangerous where the id is echoed: control characters,
// '?', '#' and '\'.
func validIDSegments(id string) bool {
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c < 0x20 || c == 0x7f || c == '?' || c == '#' || c == '\\' {
			return false
		}
	}
	return true
}

// containsFoldASCII reports whether b holds word, an ASCII lower-case word,
// in any mix of case.
func containsFoldASCII(b []byte, word string) bool {
	for i := 0; i+len(word) <= len(b); i++ {
		if b[i]|0x20 == word[0] && bytes.EqualFold(b[i:i+len(word)], []byte(word)) {
			return true
		}
	}
	return false
}
