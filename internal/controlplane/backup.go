package controlplane

import (
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/aksnet/aksnet/internal/store/bolt"
)

// BackupPath is where an admin downloads a consistent copy of the state
// database (aksnet's own endpoint; ARM has no equivalent).
const BackupPath = "/aksnet/state/backup"

// backupActions are what the caller must be allowed at the subscription
// scope: together only Owner (or a custom role as strong) has both.
// Contributor lacks role assignment writes and User Access Administrator
// lacks resource writes; the backup holds every principal's secret hashes
// and every resource, so it takes the strongest role there is.
var backupActions = []string{
	"Microsoft.Authorization/roleAssignments/write",
	"Microsoft.Resources/subscriptions/resourceGroups/write",
}

// backupHandler serves the state database, written by bbolt's Tx.WriteTo
// in one read transaction, so it is consistent while writers carry on. One
// backup runs at a time: each holds a read transaction for as long as the
// client takes to read it.
type backupHandler struct {
	db             *bolt.Store
	authn          arm.Authenticator
	authz          arm.Authorizer
	subscriptionID string
	log            *slog.Logger
	running        atomic.Bool
}

func (h *backupHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		arm.WriteError(w, r, azerr.New(http.StatusMethodNotAllowed, "MethodNotAllowed", "", "The requested method %s is not allowed for %s.", r.Method, BackupPath))
		return
	}
	caller, err := h.authn.Authenticate(r)
	if err != nil {
		arm.WriteError(w, r, err)
		return
	}
	scope := arm.SubscriptionID(h.subscriptionID)
	for _, action := range backupActions {
		if err := h.authz.Authorize(caller, action, scope); err != nil {
			h.log.Warn("state backup refused", "caller", caller.ObjectID, "missing", action)
			arm.WriteError(w, r, azerr.Forbidden("AuthorizationFailed", "",
				"The client '%s' with object id '%s' does not have authorization to download the state backup: it needs Owner at scope '%s'.", caller.ObjectID, caller.ObjectID, scope))
			return
		}
	}
	if !h.running.CompareAndSwap(false, true) {
		arm.WriteError(w, r, azerr.New(http.StatusTooManyRequests, "TooManyRequests", "", "A state backup is already running; retry when it has finished."))
		return
	}
	defer h.running.Store(false)
	hdr := w.Header()
	hdr.Set("Content-Type", "application/octet-stream")
	hdr.Set("Content-Disposition", `attachment; filename="aksnet-backup.db"`)
	hdr.Set("Cache-Control", "no-store")
	n, err := h.db.Backup(w, func(size int64) { hdr.Set("Content-Length", strconv.FormatInt(size, 10)) })
	if err != nil {
		// The status line is gone; the client sees a short body against
		// Content-Length and must discard what it got.
		h.log.Error("state backup failed", "caller", caller.ObjectID, "bytes", n, "err", err)
		return
	}
	h.log.Info("state backup downloaded", "caller", caller.ObjectID, "bytes", n)
}
