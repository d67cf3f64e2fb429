package arm

import "testing"

func TestLeadingETag(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{`{"etag":"W/\"abc\"","id":"x"}`, `W/"abc"`},
		{`{"etag":"plain","id":"x"}`, "plain"},
		{`{"id":"x","etag":"W/\"abc\""}`, ""}, // not the first member: not looked for
		{`{"eTag":"abc"}`, ""},
		{`{"etag":"W/\"ab`, ""}, // truncated
		{``, ""},
	} {
		if got := leadingETag([]byte(tc.doc)); got != tc.want {
			t.Errorf("leadingETag(%s) = %q, want %q", tc.doc, got, tc.want)
		}
	}
}

func TestDocETag(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{`{"etag":"W/\"abc\"","id":"x"}`, `W/"abc"`},
		{`{"id":"x","eTag":"abc"}`, "abc"},
		{`{"id":"x","properties":{"count":1,"eTag":"pool"}}`, "pool"},
		{`{"id":"x"}`, ""},
		{`not json`, ""},
	} {
		if got := docETag([]byte(tc.doc)); got != tc.want {
			t.Errorf("docETag(%s) = %q, want %q", tc.doc, got, tc.want)
		}
	}
}

func TestETagMatches(t *testing.T) {
	for _, tc := range []struct {
		header, etag string
		want         bool
	}{
		{`W/"a"`, `W/"a"`, true},
		{`"a"`, `W/"a"`, true}, // weak comparison
		{`W/"b", W/"a"`, `W/"a"`, true},
		{`*`, `W/"a"`, true},
		{`W/"b"`, `W/"a"`, false},
		{`abc`, `abc`, true},   // AKS's opaque form, sent bare
		{`"abc"`, `abc`, true}, // or quoted
		{`abd`, `abc`, false},
		{`abc`, ``, false},
	} {
		if got := etagMatches(tc.header, tc.etag); got != tc.want {
			t.Errorf("etagMatches(%q, %q) = %v, want %v", tc.header, tc.etag, got, tc.want)
		}
	}
}
