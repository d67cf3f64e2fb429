package output

import "testing"

func TestJSONToken(t *testing.T) {
	for _, tc := range []struct {
		text      string
		end       int
		wantColor string
	}{
		{`"k": 1`, 3, ansiBrightBlue},  // a key
		{`"k" : 1`, 3, ansiBrightBlue}, // a key, space before ':'
		{`"v",`, 3, ansiYellow},        // a value
		{`"a\"b"`, 6, ansiYellow},      // an escaped quote stays inside
		{`"open`, 5, ansiYellow},       // unterminated: to the end
		{" \n\t x", 4, ansiGray},       // whitespace run
		{"-1.5e+3,", 7, ansiBlue},      // number
		{"true}", 4, ansiBlue},         // keyword
		{"null]", 4, ansiBlue},         // keyword
		{"{\"a\"", 1, ""},              // punctuation, one at a time
		{"é", len("é"), ""},            // one whole rune
	} {
		end, color := jsonToken(tc.text, 0)
		if end != tc.end || color != tc.wantColor {
			t.Errorf("jsonToken(%q) = %d, %q; want %d, %q", tc.text, end, color, tc.end, tc.wantColor)
		}
	}
}
