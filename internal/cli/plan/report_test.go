package plan

import (
	"testing"

	"github.com/aksnet/aksnet/internal/kubenet"
)

func TestCountSpan(t *testing.T) {
	for _, tc := range []struct {
		lo, hi int
		want   string
	}{
		{3, 3, "3"},
		{3, 10, "3–10"},
		{1000, 25000, "1,000–25,000"},
	} {
		if got := countSpan(tc.lo, tc.hi); got != tc.want {
			t.Errorf("countSpan(%d, %d) = %q, want %q", tc.lo, tc.hi, got, tc.want)
		}
	}
}

func TestPlanVerdict(t *testing.T) {
	findings := []planFinding{
		{Severity: kubenet.SeverityError, Code: "A"},
		{Severity: "warning", Code: "W"},
		{Severity: kubenet.SeverityError, Code: "B"},
	}
	for _, tc := range []struct {
		rep  planReport
		want string
	}{
		{planReport{Valid: true, Findings: findings[1:2]}, "accepted: no rule is broken"},
		{planReport{Findings: findings}, "refused by Azure: A, B"},
	} {
		if got := planVerdict(tc.rep); got != tc.want {
			t.Errorf("planVerdict = %q, want %q", got, tc.want)
		}
	}
}

func TestFindingRowsPutErrorsFirst(t *testing.T) {
	rows := findingRows([]planFinding{
		{Severity: "warning", Code: "W1"},
		{Severity: kubenet.SeverityError, Code: "E1"},
		{Severity: "warning", Code: "W2"},
		{Severity: kubenet.SeverityError, Code: "E2"},
	})
	var got []string
	for _, r := range rows {
		code, _ := r.(interface{ Get(string) (any, bool) }).Get("Code")
		got = append(got, code.(string))
	}
	want := []string{"E1", "E2", "W1", "W2"}
	for i := range want {
		if i >= len(got) || got[i] != want[i] {
			t.Fatalf("finding order %v, want %v", got, want)
		}
	}
}
