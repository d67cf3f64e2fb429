package controlplane

import "testing"

func TestTokenLimits(t *testing.T) {
	for _, tc := range []struct {
		rate      float64
		burst     int
		wantRate  float64
		wantBurst int
	}{
		{0, 0, 20, 200},
		{-1, -1, 20, 200},
		{5, 10, 5, 10},
		{0.5, 0, 0.5, 200},
	} {
		rate, burst := tokenLimits(Config{TokenRate: tc.rate, TokenBurst: tc.burst})
		if rate != tc.wantRate || burst != tc.wantBurst {
			t.Errorf("tokenLimits(%v, %d) = %v, %d, want %v, %d", tc.rate, tc.burst, rate, burst, tc.wantRate, tc.wantBurst)
		}
	}
}

func TestPrepareStateRefusesRestoreWithReset(t *testing.T) {
	if err := prepareState(Config{StateDir: t.TempDir(), Restore: "backup.db", ResetState: true}); err == nil {
		t.Error("prepareState accepted --restore with --reset-state")
	}
	if err := prepareState(Config{StateDir: t.TempDir()}); err != nil {
		t.Errorf("prepareState with neither flag: %v", err)
	}
}
