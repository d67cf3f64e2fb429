package controlplane

import "testing"

func TestCheckRecord(t *testing.T) {
	for _, tc := range []struct {
		key, value string
		wantErr    bool
	}{
		{key: "r/subscriptions/s", value: `{"id":"/subscriptions/s"}`},
		{key: "r/subscriptions/s", value: `{"id":`, wantErr: true},
		{key: "cs/x", value: `not json`, wantErr: true},
		// A principal's directory roles are a JSON list: a damaged one
		// must stop the start, not read as "no roles" and be overwritten.
		{key: "d/role/oid", value: `["62e90394-69f5-4237-9190-012177145e10"]`},
		{key: "d/role/oid", value: `["62e90394`, wantErr: true},
		// Other kinds hold plain text.
		{key: "d/appid/app", value: "oid"},
		{key: "x/a\x00b", value: "\xff", wantErr: true},
	} {
		if err := checkRecord(tc.key, []byte(tc.value)); (err != nil) != tc.wantErr {
			t.Errorf("checkRecord(%q, %q) = %v, want error %v", tc.key, tc.value, err, tc.wantErr)
		}
	}
}
