package terraform

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkTerraformApply measures terraform apply of the article's
// system-assigned configuration (testdata/system-assigned) against aksnetd:
//   - apply-ms: the wall time of terraform apply;
//   - http-ms: from the apply's own debug log (TF_LOG=DEBUG), the time the
//     provider waited on HTTP answers, each request to its response,
//     overlapping waits counted once (httpWait);
//   - terraform-ms: apply-ms less http-ms, the time spent inside Terraform
//     and the provider (plan walk, plugin RPC, the provider's own sleeps and
//     polling intervals), which no server could shorten;
//   - aksnet-ms: the time aksnetd itself spent answering the apply's ARM
//     requests (the growth of aksnet_arm_request_duration_seconds_sum in
//     /metrics; concurrent requests add up);
//   - requests: ARM requests the apply made.
//
// Each run destroys what it applied, untimed.
func BenchmarkTerraformApply(b *testing.B) {
	tl := needTools(b)
	s := startServer(b)
	w := newWorkdir(b, s, tl, "system-assigned")
	w.run(b, "init", "-no-color", "-input=false")
	var apply, aksnet, wait time.Duration
	var requests float64
	logPath := filepath.Join(b.TempDir(), "apply.log")
	if keep := os.Getenv("AKSNET_TF_APPLY_LOG"); keep != "" {
		logPath = keep // kept for reading where the time goes
	}
	for range b.N {
		_ = os.Remove(logPath)
		sum0, n0 := s.armTime(b)
		start := time.Now()
		if out, err := w.exec([]string{"TF_LOG=DEBUG", "TF_LOG_PATH=" + logPath}, "apply", "-no-color", "-input=false", "-auto-approve"); err != nil {
			b.Fatalf("terraform apply: %v\n%s", err, out)
		}
		apply += time.Since(start)
		sum1, n1 := s.armTime(b)
		aksnet += sum1 - sum0
		requests += n1 - n0
		f, err := os.Open(logPath)
		if err != nil {
			b.Fatal(err)
		}
		d, paired, err := httpWait(f)
		_ = f.Close()
		if err != nil {
			b.Fatal(err)
		}
		if paired == 0 {
			raw, _ := os.ReadFile(logPath)
			var sample []string
			for _, l := range strings.Split(string(raw), "\n") {
				if strings.Contains(l, "Request") || strings.Contains(l, "Response") {
					sample = append(sample, l)
				}
				if len(sample) == 6 {
					break
				}
			}
			b.Fatalf("no request and response pairs in the apply's debug log; its request lines:\n%s", strings.Join(sample, "\n"))
		}
		wait += d
		w.run(b, "destroy", "-no-color", "-input=false", "-auto-approve")
	}
	n := float64(b.N)
	b.ReportMetric(float64(apply.Milliseconds())/n, "apply-ms")
	b.ReportMetric(float64(wait.Milliseconds())/n, "http-ms")
	b.ReportMetric(float64((apply-wait).Milliseconds())/n, "terraform-ms")
	b.ReportMetric(float64(aksnet.Milliseconds())/n, "aksnet-ms")
	b.ReportMetric(requests/n, "requests")
}

// armTime reads aksnetd's /metrics: the total time spent answering ARM
// requests and their number so far.
func (s *server) armTime(t testing.TB) (time.Duration, float64) {
	t.Helper()
	resp, err := s.http.Get(s.endpoint + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	return parseARMTime(t, resp.Body)
}

// parseARMTime adds up aksnet_arm_request_duration_seconds_sum and _count
// over every method in a Prometheus text exposition.
func parseARMTime(t testing.TB, r io.Reader) (time.Duration, float64) {
	t.Helper()
	var sum, count float64
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		name, rest, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		name, _, _ = strings.Cut(name, "{")
		if i := strings.LastIndexByte(line, ' '); i > 0 {
			rest = line[i+1:]
		}
		v, err := strconv.ParseFloat(rest, 64)
		switch {
		case err != nil:
		case name == "aksnet_arm_request_duration_seconds_sum":
			sum += v
		case name == "aksnet_arm_request_duration_seconds_count":
			count += v
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return time.Duration(sum * float64(time.Second)), count
}
