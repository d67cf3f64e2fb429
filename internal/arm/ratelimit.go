package arm

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ARM's throttling headers. Resource Manager answers every request with the
// requests its caller has left in the current window, by scope (the
// subscription, or the tenant for a request outside any subscription) and by
// kind: reads for GET and HEAD, deletes for DELETE, writes for the rest
// (learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling,
// "Remaining requests"). Azure's recordings show the classic per-hour budgets
// counting down: 11999 reads, 1199 writes, 14999 deletes after the first
// request (azure-cli's test recordings).
const (
	HeaderRemainingSubscriptionReads   = "x-ms-ratelimit-remaining-subscription-reads"
	HeaderRemainingSubscriptionWrites  = "x-ms-ratelimit-remaining-subscription-writes"
	HeaderRemainingSubscriptionDeletes = "x-ms-ratelimit-remaining-subscription-deletes"
	HeaderRemainingTenantReads         = "x-ms-ratelimit-remaining-tenant-reads"
	HeaderRemainingTenantWrites        = "x-ms-ratelimit-remaining-tenant-writes"
)

// The hourly budgets Resource Manager reports (reads, writes, deletes).
const (
	budgetReads   = 12000
	budgetWrites  = 1200
	budgetDeletes = 15000
	budgetWindow  = time.Hour
	maxBudgetKeys = 4096
)

// remaining counts, per scope and kind of request, the requests left in the
// current hour. aksnet only reports the budget: it never answers 429, so a
// count that reaches 0 stays at 0 until the window ends.
type remaining struct {
	mu     sync.Mutex
	start  time.Time
	counts map[string]int
}

// rateLimitHeader returns the header ARM answers r with and the budget it
// counts down: tenant scope for a path outside /subscriptions/{id}.
func rateLimitHeader(r *http.Request) (scope, header string, budget int) {
	sub := subscriptionOfPath(r.URL.Path)
	read := r.Method == http.MethodGet || r.Method == http.MethodHead
	switch {
	case sub == "" && read:
		return "tenant", HeaderRemainingTenantReads, budgetReads
	case sub == "":
		return "tenant", HeaderRemainingTenantWrites, budgetWrites
	case read:
		return sub, HeaderRemainingSubscriptionReads, budgetReads
	case r.Method == http.MethodDelete:
		return sub, HeaderRemainingSubscriptionDeletes, budgetDeletes
	default:
		return sub, HeaderRemainingSubscriptionWrites, budgetWrites
	}
}

// take counts one request of r at now and sets its remaining-requests
// header on w.
func (rl *remaining) take(w http.ResponseWriter, r *http.Request, now time.Time) {
	scope, header, budget := rateLimitHeader(r)
	key := scope + "\x00" + header
	rl.mu.Lock()
	// The map is keyed by ids from paths: it is bounded, so a client
	// inventing subscription ids cannot grow it without end.
	if rl.counts == nil || now.Sub(rl.start) >= budgetWindow || len(rl.counts) >= maxBudgetKeys {
		rl.start, rl.counts = now, map[string]int{}
	}
	used := rl.counts[key] + 1
	if used <= budget {
		rl.counts[key] = used
	}
	left := max(budget-used, 0)
	rl.mu.Unlock()
	w.Header().Set(header, strconv.Itoa(left))
}

// subscriptionOfPath returns the lowercased subscription id of a path
// /subscriptions/{id}/…, or "" for a tenant-level path (/subscriptions,
// /providers, /tenants…). Only the first two segments are looked at, so a
// path that does not parse as a resource id still has its scope.
func subscriptionOfPath(path string) string {
	seg, rest, _ := strings.Cut(strings.TrimLeft(path, "/"), "/")
	if !strings.EqualFold(seg, "subscriptions") {
		return ""
	}
	id, _, _ := strings.Cut(rest, "/")
	if id == "" || len(id) > 64 {
		return ""
	}
	return strings.ToLower(id)
}
