package daemon

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

func TestMainBadInput(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"log level", []string{"--state-dir", state, "--log-level", "loud"}, 2, "argument --log-level: invalid choice: 'loud'"},
		{"data plane mode", []string{"--state-dir", state, "--dataplane", "ebpf"}, 2, "argument --dataplane: invalid choice: 'ebpf'"},
		{"cleanup alone", []string{"--state-dir", state, "--cleanup"}, 2, "--cleanup needs --dataplane netns"},
		{"unknown flag", []string{"--state-dir", state, "--no-such-flag"}, 2, "unknown flag: --no-such-flag"},
		{"positional argument", []string{"--state-dir", state, "extra"}, 2, `unknown command "extra"`},
		{"listen address", []string{"--state-dir", state, "--listen", "256.0.0.1:0"}, 1, "listen on 256.0.0.1:0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errw bytes.Buffer
			code := Main(c.args, &out, &errw)
			if code != c.code || !strings.Contains(errw.String(), c.want) || !strings.HasPrefix(errw.String(), "ERROR: ") {
				t.Fatalf("exit %d, stderr %q; want exit %d and an ERROR line containing %q", code, errw.String(), c.code, c.want)
			}
			if strings.Contains(out.String(), "is serving") {
				t.Fatalf("printed the serving banner: %q", out.String())
			}
		})
	}
}
