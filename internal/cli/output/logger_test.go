package output

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLevelFromFlags(t *testing.T) {
	tests := []struct {
		only, verbose, debug bool
		want                 Level
		err                  bool
	}{
		{want: LevelWarning},
		{only: true, want: LevelError},
		{verbose: true, want: LevelInfo},
		{debug: true, want: LevelDebug},
		{verbose: true, debug: true, want: LevelDebug},
		{only: true, debug: true, err: true},
		{only: true, verbose: true, err: true},
	}
	for _, tc := range tests {
		got, err := LevelFromFlags(tc.only, tc.verbose, tc.debug)
		if (err != nil) != tc.err || (!tc.err && got != tc.want) {
			t.Errorf("LevelFromFlags(%v, %v, %v) = %v, %v", tc.only, tc.verbose, tc.debug, got, err)
		}
	}
	if _, err := LevelFromFlags(true, false, true); err == nil || err.Error() != "--only-show-errors can't be used together with --debug or --verbose" {
		t.Errorf("err = %v", err)
	}
}

func TestLogger(t *testing.T) {
	logAll := func(l *Logger) {
		l.Debug("debug %d", 1)
		l.Info("info")
		l.Warn("warn")
		l.Error("error")
	}
	tests := []struct {
		name  string
		level Level
		color bool
		want  string
	}{
		{"default shows warnings", LevelWarning, false, "WARNING: warn\nERROR: error\n"},
		{"only-show-errors", LevelError, false, "ERROR: error\n"},
		{"verbose", LevelInfo, false, "INFO: info\nWARNING: warn\nERROR: error\n"},
		{"debug names the logger", LevelDebug, false, "DEBUG: cli.aksnet: debug 1\nINFO: cli.aksnet: info\nWARNING: cli.aksnet: warn\nERROR: cli.aksnet: error\n"},
		{"colour hides level names", LevelWarning, true, "\x1b[33mwarn\x1b[0m\n\x1b[91merror\x1b[0m\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			logAll(NewLogger(&buf, tc.level, tc.color))
			if diff := cmp.Diff(tc.want, buf.String()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	var l *Logger
	l.Warn("a nil logger is silent")
}
