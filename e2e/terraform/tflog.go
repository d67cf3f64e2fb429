package terraform

import (
	"bufio"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"
	"time"
)

// httpWait reads a Terraform debug log (TF_LOG=DEBUG) and returns how long
// the provider waited on HTTP answers: the union of the intervals from each
// "AzureRM Request:" line to its "AzureRM Response for <url>:" line (azurerm's
// internal/common/middleware.go logs both around every request), so that
// concurrent requests count once; and how many requests it paired. A
// request is paired with the first unanswered one of the same method-less
// request URI, in log order.
func httpWait(r io.Reader) (time.Duration, int, error) {
	type span struct{ from, to time.Time }
	var spans []span
	open := map[string][]time.Time{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	var pending *time.Time // a Request line whose dump's first line comes next
	for sc.Scan() {
		line := sc.Text()
		ts, rest, ok := logTime(line)
		if pending != nil {
			// The dump's request line, "GET /subscriptions/…?api-version=…
			// HTTP/1.1": raw, or (Terraform 1.5 logs each line of a
			// provider's message on its own) after the line's prefix.
			msg := line
			if ok {
				msg = providerMessage(rest)
			}
			if f := strings.Fields(msg); len(f) == 3 && strings.HasPrefix(f[2], "HTTP/") {
				open[f[1]] = append(open[f[1]], *pending)
				pending = nil
				continue
			}
		}
		if !ok {
			continue
		}
		switch {
		case strings.Contains(rest, "AzureRM Request: "):
			if after := strings.TrimSpace(rest[strings.Index(rest, "AzureRM Request: ")+len("AzureRM Request: "):]); after != "" {
				// "AzureRM Request: GET to https://…", when the dump failed.
				if f := strings.Fields(after); len(f) == 3 && f[1] == "to" {
					if u, err := url.Parse(f[2]); err == nil {
						open[u.RequestURI()] = append(open[u.RequestURI()], ts)
					}
				}
				continue
			}
			t := ts
			pending = &t
		case strings.Contains(rest, "AzureRM Response for "):
			raw := rest[strings.Index(rest, "AzureRM Response for ")+len("AzureRM Response for "):]
			raw = strings.TrimSuffix(strings.TrimSpace(raw), ":")
			u, err := url.Parse(raw)
			if err != nil {
				continue
			}
			key := u.RequestURI()
			if q := open[key]; len(q) > 0 {
				if !ts.Before(q[0]) { // a response logged before its request counts nothing
					spans = append(spans, span{q[0], ts})
				}
				open[key] = q[1:]
			}
		}
	}
	if err := sc.Err(); err != nil {
		return 0, 0, fmt.Errorf("read the Terraform log: %w", err)
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].from.Before(spans[j].from) })
	var total time.Duration
	var cur span
	for i, s := range spans {
		switch {
		case i == 0:
			cur = s
		case s.from.After(cur.to):
			total += cur.to.Sub(cur.from)
			cur = s
		case s.to.After(cur.to):
			cur.to = s.to
		}
	}
	if len(spans) > 0 {
		total += cur.to.Sub(cur.from)
	}
	return total, len(spans), nil
}

// providerMessage is a log line's message after Terraform's
// "[DEBUG] provider.terraform-provider-azurerm_v5.2.0: " prefix.
func providerMessage(rest string) string {
	if i := strings.Index(rest, " provider."); i >= 0 {
		if j := strings.Index(rest[i:], ": "); j >= 0 {
			return rest[i+j+2:]
		}
	}
	return rest
}

// logTime splits a Terraform log line, "2026-12-03T21:45:01.123Z [DEBUG] …",
// into its time and the rest.
func logTime(line string) (time.Time, string, bool) {
	stamp, rest, ok := strings.Cut(line, " ")
	if !ok || len(stamp) < 20 || stamp[4] != '-' {
		return time.Time{}, "", false
	}
	t, err := time.Parse("2006-01-02T15:04:05.000Z0700", stamp)
	if err != nil {
		return time.Time{}, "", false
	}
	return t, rest, true
}
