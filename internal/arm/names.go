package arm

import (
	"regexp"
	"unicode/utf8"

	"github.com/aksnet/aksnet/internal/azerr"
)

// NameRule describes Azure's naming rule for one resource type.
type NameRule struct {
	// Type is the resource type as the message names it, e.g. "virtual network".
	Type     string
	Min, Max int
	// Pattern must match the whole name.
	Pattern *regexp.Regexp
	// Explain says in words what Pattern allows.
	Explain string
	// Code is the error code; "InvalidResourceName" when empty.
	Code string
}

// Check answers nil for a valid name, or a 400 with the rule's code, the
// offending name and target "name".
func (n NameRule) Check(name string) error {
	code := n.Code
	if code == "" {
		code = "InvalidResourceName"
	}
	l := utf8.RuneCountInString(name)
	if l < n.Min || l > n.Max || (n.Pattern != nil && !n.Pattern.MatchString(name)) {
		return azerr.BadRequest(code, "name", "Resource name '%s' is invalid for a %s. The name must be %d to %d characters long; %s.", name, n.Type, n.Min, n.Max, n.Explain)
	}
	return nil
}
