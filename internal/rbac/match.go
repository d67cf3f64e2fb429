package rbac

import "strings"

// Allows reports whether p grants action on the control plane: some pattern in
// Actions matches it and no pattern in NotActions does. An empty action is
// never allowed, not even by "*".
func (p Permission) Allows(action string) bool {
	if action == "" {
		return false
	}
	granted := false
	for _, pat := range p.Actions {
		if MatchAction(pat, action) {
			granted = true
			break
		}
	}
	if !granted {
		return false
	}
	for _, pat := range p.NotActions {
		if MatchAction(pat, action) {
			return false
		}
	}
	return true
}

// MatchAction reports whether the action pattern of a role definition matches
// action, the way Azure RBAC does:
//
//   - Comparison ignores ASCII case ("Microsoft.Authorization/*/Write" matches
//     "microsoft.authorization/roleassignments/write").
//   - "*" matches any run of characters, "/" included, anywhere in the
//     pattern: "*" matches every action, "*/read" every read,
//     "Microsoft.Network/*" everything in that namespace, and
//     "Microsoft.Authorization/*/read" both "…/roleAssignments/read" and
//     "…/policyAssignments/exemptions/read".
//   - A "*" that fills a whole path segment, as in "/*/", may also match no
//     segment at all, so "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action"
//     matches "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action".
//     This is how the built-in Managed Identity Operator role grants the
//     identity's assign action, which has no segment where its "*" stands.
//   - Without a "*" the pattern must equal the action.
//
// Matching allocates nothing. It places each literal piece between stars at its
// leftmost possible position, which is exact for these patterns and never
// backtracks.
func MatchAction(pattern, action string) bool {
	star := strings.IndexByte(pattern, '*')
	if star < 0 {
		return equalFoldASCII(pattern, action)
	}
	head := pattern[:star]
	if !hasPrefixFoldASCII(action, head) {
		return false
	}
	pos := len(head)                                       // action[:pos] is matched
	prevSlash := len(head) > 0 && head[len(head)-1] == '/' // the piece before the star ends in "/"
	rest := pattern[star+1:]
	for {
		for len(rest) > 0 && rest[0] == '*' {
			rest = rest[1:]
		}
		if rest == "" {
			return true // a trailing star takes whatever is left
		}
		// A piece that starts with "/" after a piece that ended with "/" may
		// reuse that slash: the "/*/" then stands for a single "/".
		from := pos
		next := strings.IndexByte(rest, '*')
		piece := rest
		if next >= 0 {
			piece = rest[:next]
		}
		if prevSlash && piece[0] == '/' {
			from = pos - 1
		}
		if next < 0 {
			// The last piece is anchored at the end of the action.
			start := len(action) - len(piece)
			return start >= from && equalFoldASCII(action[start:], piece)
		}
		at := indexFoldASCII(action, piece, from)
		if at < 0 {
			return false
		}
		pos = at + len(piece)
		prevSlash = piece[len(piece)-1] == '/'
		rest = rest[next+1:]
	}
}

// lowerASCII folds an ASCII upper-case letter to lower case and leaves every
// other byte alone.
func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// equalFoldASCII reports whether a and b are equal ignoring ASCII case. Ids
// usually agree in case, so exact equality is tried first.
func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	if a == b {
		return true
	}
	for i := 0; i < len(a); i++ {
		if ca, cb := a[i], b[i]; ca != cb && lowerASCII(ca) != lowerASCII(cb) {
			return false
		}
	}
	return true
}

func hasPrefixFoldASCII(s, prefix string) bool {
	return len(s) >= len(prefix) && equalFoldASCII(s[:len(prefix)], prefix)
}

// indexFoldASCII returns the first index i >= from at which sub occurs in s,
// ignoring ASCII case, or -1. sub must not be empty.
func indexFoldASCII(s, sub string, from int) int {
	first := lowerASCII(sub[0])
	for i := from; i+len(sub) <= len(s); i++ {
		if lowerASCII(s[i]) == first && equalFoldASCII(s[i+1:i+len(sub)], sub[1:]) {
			return i
		}
	}
	return -1
}
