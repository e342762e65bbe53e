package crm

import (
	"context"
	"time"
)

// Storage for the transports and the scheduler: de-duplication of inbound
// events, an outbox of accepted messages, leases, and small expiring state.
// Each is one document per key, so it is atomic on MongoDB and on the
// embedded store alike (DESIGN §5).

// InboxStore de-duplicates inbound platform events across retries,
// restarts and replicas.
type InboxStore interface {
	// FirstSeen records key ("tg:<update_id>", "slack:<event_id>") by
	// inserting it and reports whether this call was the first to do so.
	FirstSeen(ctx context.Context, key string, at time.Time) (bool, error)
	// ForgetSeen deletes keys recorded before t; a periodic clean-up.
	ForgetSeen(ctx context.Context, before time.Time) (int64, error)
}

// OutboxMessage is a message accepted for delivery: it is kept until the
// platform takes it, and retried, so an accepted reply is never dropped.
type OutboxMessage struct {
	ID       string // deterministic when the sender wants de-duplication, else empty for a new one
	Platform string // "telegram", "slack"
	Chat     string // the platform's chat or channel id
	// Body is the transport's own encoding of the message.
	Body      []byte
	CreatedAt time.Time
	NextAt    time.Time // not tried before this
	Attempts  int
	LastError string
	Owner     string    // the replica holding the claim
	LeaseTill time.Time // the claim lapses after this
	SentAt    time.Time // zero until the platform accepted it
	Ref       string    // the platform's message id once sent
}

// OutboxStore keeps OutboxMessages.
type OutboxStore interface {
	// Enqueue stores m (with a new ID when m.ID is empty). Returns ECONFLICT
	// when a message with m.ID is already queued.
	Enqueue(ctx context.Context, m *OutboxMessage) error
	// ClaimDue leases up to limit unsent messages of a platform whose NextAt
	// and any earlier lease have passed, oldest first, to owner until now+lease.
	// A message is claimed by one owner at a time.
	ClaimDue(ctx context.Context, platform, owner string, now time.Time, lease time.Duration, limit int) ([]OutboxMessage, error)
	// MarkSent records the platform's acceptance. Returns ECONFLICT if owner
	// no longer holds the claim.
	MarkSent(ctx context.Context, id, owner string, at time.Time, ref string) error
	// Retry releases the claim and schedules the next attempt at next.
	Retry(ctx context.Context, id, owner string, next time.Time, lastErr string) error
	// ForgetSent deletes messages sent before t; a periodic clean-up.
	ForgetSent(ctx context.Context, before time.Time) (int64, error)
}

// LeaseStore elects one holder of a named duty, such as Telegram long
// polling, among replicas.
type LeaseStore interface {
	// AcquireLease gives name to owner until now+ttl if it is free, lapsed,
	// or already owner's (renewal), and reports whether owner holds it.
	AcquireLease(ctx context.Context, name, owner string, now time.Time, ttl time.Duration) (bool, error)
	// ReleaseLease gives name up if owner holds it.
	ReleaseLease(ctx context.Context, name, owner string) error
}

// StateStore keeps small expiring values: a guided conversation's state,
// long button payloads behind short tokens.
type StateStore interface {
	// PutState stores value under key until expires.
	PutState(ctx context.Context, key string, value []byte, expires time.Time) error
	// State returns the value under key. Returns ENOTFOUND when there is
	// none or it expired before now.
	State(ctx context.Context, key string, now time.Time) ([]byte, error)
	// DeleteState removes key; removing a missing key is not an error.
	DeleteState(ctx context.Context, key string) error
}

// BlobStore keeps a payload of any size, such as a file waiting to be sent,
// under a key until it is deleted or expires. A store splits what one of
// its documents cannot hold (16 MB on MongoDB and the embedded store).
type BlobStore interface {
	// PutBlob stores data under key until expires, replacing what was there.
	PutBlob(ctx context.Context, key string, data []byte, expires time.Time) error
	// Blob returns the data under key. Returns ENOTFOUND when there is none,
	// it expired before now, or a part of it is gone.
	Blob(ctx context.Context, key string, now time.Time) ([]byte, error)
	// DeleteBlob removes key and its parts; removing a missing key is not
	// an error.
	DeleteBlob(ctx context.Context, key string) error
}
