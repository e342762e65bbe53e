package handlers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/crmbot/crmbot/crm"
)

// Deliverer sends messages that nobody asked for just now (nudges, digests)
// to a staff member on one platform. Transports implement it.
type Deliverer interface {
	// Deliver sends rep to the private chat of id and returns once the
	// platform accepted it, within the platform's rate limits. An error
	// means it was not accepted (blocked bot, unknown chat, ctx done).
	Deliver(ctx context.Context, id crm.Identity, rep Reply) error
}

// Deliverers routes a message to the transport of an identity's platform
// ("telegram:123" goes to the Telegram transport). Safe for concurrent use.
type Deliverers struct {
	mu sync.RWMutex
	by map[string]Deliverer
}

// Register makes d the deliverer of platform ("telegram", "slack", "console").
func (ds *Deliverers) Register(platform string, d Deliverer) {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	if ds.by == nil {
		ds.by = map[string]Deliverer{}
	}
	ds.by[platform] = d
}

// Deliver sends rep through the transport of id's platform. Returns
// ENOTFOUND when that platform is not running.
func (ds *Deliverers) Deliver(ctx context.Context, id crm.Identity, rep Reply) error {
	platform, _, _ := strings.Cut(string(id), ":")
	ds.mu.RLock()
	d := ds.by[platform]
	ds.mu.RUnlock()
	if d == nil {
		return fmt.Errorf("deliver to %s: %w", platform, crm.Errorf(crm.ENOTFOUND, "err_notfound"))
	}
	return d.Deliver(ctx, id, rep)
}

// ErrPartlyDelivered is a Deliverer's error once the platform took part of
// a reply: trying the person's next platform would show them the message
// twice, so Reach stops there and the caller retries on the same platform.
var ErrPartlyDelivered = errors.New("partly delivered")

// Reach delivers rep to a staff member on the first of their platforms that
// accepts it, and returns the identity that took it.
func (ds *Deliverers) Reach(ctx context.Context, s *crm.Staff, rep Reply) (crm.Identity, error) {
	var last error = crm.Errorf(crm.ENOTFOUND, "err_notfound")
	for _, id := range s.Identities {
		err := ds.Deliver(ctx, id, rep)
		if errors.Is(err, ErrPartlyDelivered) {
			return id, fmt.Errorf("reach staff %s: %w", s.ID, err)
		}
		if err != nil {
			last = err
			continue
		}
		return id, nil
	}
	return "", fmt.Errorf("reach staff %s: %w", s.ID, last)
}
