package identity

import (
	"sync"
	"time"
)

// tokenCache remembers the claims of tokens whose signature has been checked,
// keyed by the raw token. It holds at most max entries; an entry is useless
// once its token has expired (plus ClockSkew) and is dropped then.
//
// Every ARM request verifies a token, and clients reuse one token for an
// hour, so nearly all lookups hit. Reads take a shared lock only.
type tokenCache struct {
	mu  sync.RWMutex
	m   map[string]*Claims
	max int
}

func newTokenCache(max int) *tokenCache {
	return &tokenCache{m: make(map[string]*Claims), max: max}
}

func (c *tokenCache) get(token string) (*Claims, bool) {
	c.mu.RLock()
	cl, ok := c.m[token]
	c.mu.RUnlock()
	return cl, ok
}

// put remembers cl for token unless the token has already expired at now.
// When the cache is full it first drops expired entries and then, if still
// full, arbitrary ones until an eighth of the room is free: a cache miss only
// costs one signature check.
func (c *tokenCache) put(token string, cl *Claims, now time.Time) {
	if !now.Before(time.Unix(cl.ExpiresAt, 0).Add(ClockSkew)) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[token]; !ok && len(c.m) >= c.max {
		for k, v := range c.m {
			if !now.Before(time.Unix(v.ExpiresAt, 0).Add(ClockSkew)) {
				delete(c.m, k)
			}
		}
		for k := range c.m {
			if len(c.m) < c.max-c.max/8 {
				break
			}
			delete(c.m, k)
		}
	}
	c.m[token] = cl
}

func (c *tokenCache) remove(token string) {
	c.mu.Lock()
	delete(c.m, token)
	c.mu.Unlock()
}

func (c *tokenCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
