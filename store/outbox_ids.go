package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/crmbot/crmbot/crm"
)

// MarkSentByID and RetryByID keep the contracts of MarkSent and Retry. On
// the embedded server, which serves only a filter that is exactly {_id}
// from SQLite and scans the whole collection for any other, they read the
// row by _id, check the claim in Go and write it back by _id: MarkSent's
// conditional filter would scan the whole outbox on every send (measured:
// the Telegram path fell from 31 to 5.5 updates a second over 1,000
// updates). The embedded server belongs to one process over one connection
// (DESIGN §5), so the claim checked cannot move to another replica between
// the read and the write. On MongoDB they are MarkSent and Retry.

// MarkSentByID is MarkSent, served by _id on the embedded server.
func (db *DB) MarkSentByID(ctx context.Context, id, owner string, at time.Time, ref string) error {
	if db.embedded == nil {
		return db.MarkSent(ctx, id, owner, at, ref)
	}
	if err := db.ownedUnsent(ctx, id, owner); err != nil {
		return err
	}
	_, err := db.db.Collection("outbox").UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		sentUpdate(at, ref))
	if err != nil {
		return translate("mark message sent", err)
	}
	db.noteSent(ctx, id, at)
	return nil
}

// RetryByID is Retry, served by _id on the embedded server.
func (db *DB) RetryByID(ctx context.Context, id, owner string, next time.Time, lastErr string) error {
	if db.embedded == nil {
		return db.Retry(ctx, id, owner, next, lastErr)
	}
	if err := db.ownedUnsent(ctx, id, owner); err != nil {
		if crm.ErrorCode(err) == crm.ECONFLICT {
			return nil // as Retry: no longer ours, nothing to release
		}
		return err
	}
	_, err := db.db.Collection("outbox").UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "nextat", Value: next}, {Key: "lasterror", Value: lastErr}, {Key: "leasetill", Value: time.Time{}}}}})
	return translate("retry message", err)
}

// ownedUnsent returns ECONFLICT unless message id is unsent and claimed by owner.
func (db *DB) ownedUnsent(ctx context.Context, id, owner string) error {
	var d outboxDoc
	if err := db.db.Collection("outbox").FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return translate("read message", err)
	}
	if d.Owner != owner || !d.SentAt.IsZero() {
		return crm.Errorf(crm.ECONFLICT, "err_conflict")
	}
	return nil
}
