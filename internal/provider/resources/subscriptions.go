package resources

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/aksnet/aksnet/internal/store"
)

// Subscription is the document a subscription GET answers with.
type Subscription struct {
	ID                   string               `json:"id"`
	SubscriptionID       string               `json:"subscriptionId"`
	TenantID             string               `json:"tenantId"`
	DisplayName          string               `json:"displayName"`
	State                string               `json:"state"`
	SubscriptionPolicies SubscriptionPolicies `json:"subscriptionPolicies"`
	AuthorizationSource  string               `json:"authorizationSource"`
	ManagedByTenants     []any                `json:"managedByTenants"`
}

// SubscriptionPolicies mirrors ARM's subscription policies.
type SubscriptionPolicies struct {
	LocationPlacementID string `json:"locationPlacementId"`
	QuotaID             string `json:"quotaId"`
	SpendingLimit       string `json:"spendingLimit"`
}

// NewSubscription returns an enabled subscription document.
func NewSubscription(id, tenantID, displayName string) Subscription {
	return Subscription{
		ID:             arm.SubscriptionID(id),
		SubscriptionID: id,
		TenantID:       tenantID,
		DisplayName:    displayName,
		State:          "Enabled",
		SubscriptionPolicies: SubscriptionPolicies{
			LocationPlacementID: "Public_2014-09-01",
			QuotaID:             "PayAsYouGo_2014-09-01",
			SpendingLimit:       "Off",
		},
		AuthorizationSource: "RoleBased",
		ManagedByTenants:    []any{},
	}
}

// EnsureSubscription stores sub unless a subscription with its id exists.
func EnsureSubscription(tx store.Tx, sub Subscription) error {
	key := arm.KeyOf(sub.ID)
	if _, ok := tx.Get(key); ok {
		return nil
	}
	raw, err := json.Marshal(sub)
	if err != nil {
		return err
	}
	tx.Put(key, raw)
	return nil
}

func subscriptionKind() *arm.Kind {
	return &arm.Kind{
		Type: "Microsoft.Resources/subscriptions",
		Put: func(c *arm.Call) ([]byte, error) {
			return nil, azerr.New(http.StatusMethodNotAllowed, "MethodNotAllowed", "", "Subscriptions are created by the aksnet server, not through ARM.")
		},
		// A DELETE would otherwise take everything in the subscription with it.
		Delete: func(c *arm.Call) error {
			return azerr.New(http.StatusMethodNotAllowed, "MethodNotAllowed", "", "Subscription %s can't be deleted through ARM.", c.Parsed.Subscription)
		},
		Patch: func(c *arm.Call) ([]byte, error) {
			return nil, azerr.New(http.StatusMethodNotAllowed, "MethodNotAllowed", "", "Subscription %s can't be changed through ARM.", c.Parsed.Subscription)
		},
		List: func(c *arm.Call) ([][]byte, error) {
			var out [][]byte
			prefix := arm.Key("/subscriptions") + "/"
			c.R.Scan(prefix, func(k string, v []byte) bool {
				if !strings.Contains(k[len(prefix):], "/") {
					out = append(out, append([]byte(nil), v...))
				}
				return true
			})
			return out, nil
		},
	}
}
