package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/crmbot/crmbot/crm"
)

type seenDoc struct {
	Key string    `bson:"_id"`
	At  time.Time `bson:"at"`
}

// FirstSeen inserts key; the unique _id decides between concurrent callers.
func (db *DB) FirstSeen(ctx context.Context, key string, at time.Time) (bool, error) {
	l, err := db.live(ctx)
	if err != nil {
		return false, err
	}
	_, err = db.db.Collection("inbox").InsertOne(ctx, seenDoc{Key: key, At: at})
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	if err != nil {
		return false, translate("record inbound "+key, err)
	}
	if l != nil {
		l.addSeen(key, at)
	}
	return true, nil
}

// ForgetSeen deletes keys recorded before t: by _id from the live index on
// the embedded store, in batches; by the "at" index on MongoDB.
func (db *DB) ForgetSeen(ctx context.Context, before time.Time) (int64, error) {
	l, err := db.live(ctx)
	if err != nil {
		return 0, err
	}
	if l != nil {
		return db.forgetLive(ctx, l, &l.seen, "inbox", before)
	}
	res, err := db.db.Collection("inbox").DeleteMany(ctx, bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: before}}}})
	if err != nil {
		return 0, translate("forget inbound", err)
	}
	return res.DeletedCount, nil
}

type outboxDoc struct {
	ID                string `bson:"_id"`
	crm.OutboxMessage `bson:",inline"`
}

// Enqueue stores m; a duplicate ID is ECONFLICT.
func (db *DB) Enqueue(ctx context.Context, m *crm.OutboxMessage) error {
	if m.ID == "" {
		m.ID = newID()
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = db.now()
	}
	if m.NextAt.IsZero() {
		m.NextAt = m.CreatedAt
	}
	l, err := db.live(ctx)
	if err != nil {
		return err
	}
	if _, err := db.db.Collection("outbox").InsertOne(ctx, outboxDoc{ID: m.ID, OutboxMessage: *m}); err != nil {
		return translate("enqueue message", err)
	}
	if l != nil {
		l.addUnsent(m.Platform, m.ID)
	}
	return nil
}

// ClaimDue finds due candidates, then claims each with a conditional update
// on its _id that only matches while the message is unsent and unclaimed.
func (db *DB) ClaimDue(ctx context.Context, platform, owner string, now time.Time, lease time.Duration, limit int) ([]crm.OutboxMessage, error) {
	l, err := db.live(ctx)
	if err != nil {
		return nil, err
	}
	if l != nil {
		return db.claimDueLive(ctx, l, platform, owner, now, lease, limit)
	}
	out := db.db.Collection("outbox")
	unclaimed := bson.D{{Key: "$lt", Value: now}}
	cur, err := out.Find(ctx, bson.D{
		{Key: "platform", Value: platform},
		{Key: "sentat", Value: time.Time{}},
		{Key: "nextat", Value: bson.D{{Key: "$lte", Value: now}}},
		{Key: "leasetill", Value: unclaimed},
	}, options.Find().SetSort(bson.D{{Key: "createdat", Value: 1}}).SetLimit(int64(limit)).SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, translate("find due messages", err)
	}
	var ids []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &ids); err != nil {
		return nil, translate("read due messages", err)
	}
	var claimed []crm.OutboxMessage
	for _, x := range ids {
		var d outboxDoc
		err := out.FindOneAndUpdate(ctx,
			bson.D{{Key: "_id", Value: x.ID}, {Key: "sentat", Value: time.Time{}}, {Key: "leasetill", Value: unclaimed}},
			bson.D{
				{Key: "$set", Value: bson.D{{Key: "owner", Value: owner}, {Key: "leasetill", Value: now.Add(lease)}}},
				{Key: "$inc", Value: bson.D{{Key: "attempts", Value: 1}}},
			},
			options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
		if err == mongo.ErrNoDocuments {
			continue // another replica took it
		}
		if err != nil {
			return claimed, translate("claim message", err)
		}
		d.OutboxMessage.ID = d.ID
		claimed = append(claimed, d.OutboxMessage)
	}
	return claimed, nil
}

// MarkSent records delivery if owner still holds the claim.
func (db *DB) MarkSent(ctx context.Context, id, owner string, at time.Time, ref string) error {
	res, err := db.db.Collection("outbox").UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "owner", Value: owner}, {Key: "sentat", Value: time.Time{}}},
		sentUpdate(at, ref))
	if err != nil {
		return translate("mark message sent", err)
	}
	if res.MatchedCount == 0 {
		return crm.Errorf(crm.ECONFLICT, "err_conflict")
	}
	db.noteSent(ctx, id, at)
	return nil
}

// noteSent moves a message to the sent list of the live index, if any.
func (db *DB) noteSent(ctx context.Context, id string, at time.Time) {
	if l, err := db.live(ctx); err == nil && l != nil {
		l.markSent(id, at)
	}
}

// sentUpdate marks a message sent and drops its body, which nothing reads
// again: a sent row stays a day for de-duplication, and a file it carried
// (an export of thousands of customers) would otherwise be read by every
// due-message scan until then.
func sentUpdate(at time.Time, ref string) bson.D {
	return bson.D{{Key: "$set", Value: bson.D{{Key: "sentat", Value: at}, {Key: "ref", Value: ref},
		{Key: "leasetill", Value: time.Time{}}, {Key: "body", Value: []byte{}}}}}
}

// Retry releases owner's claim and schedules the next attempt.
func (db *DB) Retry(ctx context.Context, id, owner string, next time.Time, lastErr string) error {
	_, err := db.db.Collection("outbox").UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "owner", Value: owner}, {Key: "sentat", Value: time.Time{}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "nextat", Value: next}, {Key: "lasterror", Value: lastErr}, {Key: "leasetill", Value: time.Time{}}}}})
	return translate("retry message", err)
}

// ForgetSent deletes messages sent before t: by _id from the live index on
// the embedded store, in batches; by a filter MongoDB indexes otherwise.
func (db *DB) ForgetSent(ctx context.Context, before time.Time) (int64, error) {
	l, err := db.live(ctx)
	if err != nil {
		return 0, err
	}
	if l != nil {
		return db.forgetLive(ctx, l, &l.sent, "outbox", before)
	}
	res, err := db.db.Collection("outbox").DeleteMany(ctx, bson.D{
		{Key: "sentat", Value: bson.D{{Key: "$gt", Value: time.Time{}}, {Key: "$lt", Value: before}}},
	})
	if err != nil {
		return 0, translate("forget sent messages", err)
	}
	return res.DeletedCount, nil
}

type leaseDoc struct {
	Name  string    `bson:"_id"`
	Owner string    `bson:"owner"`
	Till  time.Time `bson:"till"`
}

// AcquireLease takes or renews a named lease. The first holder inserts the
// document; later ones take it with an update that only matches when it
// lapsed or is theirs.
func (db *DB) AcquireLease(ctx context.Context, name, owner string, now time.Time, ttl time.Duration) (bool, error) {
	leases := db.db.Collection("leases")
	_, err := leases.InsertOne(ctx, leaseDoc{Name: name, Owner: owner, Till: now.Add(ttl)})
	if err == nil {
		return true, nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return false, translate("acquire lease "+name, err)
	}
	res, err := leases.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: name}, {Key: "$or", Value: bson.A{
			bson.D{{Key: "owner", Value: owner}},
			bson.D{{Key: "till", Value: bson.D{{Key: "$lt", Value: now}}}},
		}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "owner", Value: owner}, {Key: "till", Value: now.Add(ttl)}}}})
	if err != nil {
		return false, translate("acquire lease "+name, err)
	}
	return res.MatchedCount == 1, nil
}

// ReleaseLease gives the lease up if owner holds it.
func (db *DB) ReleaseLease(ctx context.Context, name, owner string) error {
	_, err := db.db.Collection("leases").UpdateOne(ctx,
		bson.D{{Key: "_id", Value: name}, {Key: "owner", Value: owner}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "till", Value: time.Time{}}}}})
	return translate("release lease "+name, err)
}

type stateDoc struct {
	Key     string    `bson:"_id"`
	Value   []byte    `bson:"value"`
	Expires time.Time `bson:"expires"`
}

// PutState stores value under key until expires.
func (db *DB) PutState(ctx context.Context, key string, value []byte, expires time.Time) error {
	_, err := db.db.Collection("state").ReplaceOne(ctx, bson.D{{Key: "_id", Value: key}},
		stateDoc{Key: key, Value: value, Expires: expires}, options.Replace().SetUpsert(true))
	return translate("put state", err)
}

// State returns the unexpired value under key.
func (db *DB) State(ctx context.Context, key string, now time.Time) ([]byte, error) {
	var d stateDoc
	if err := db.db.Collection("state").FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&d); err != nil {
		return nil, translate("read state", err)
	}
	if !now.Before(d.Expires) {
		return nil, crm.Errorf(crm.ENOTFOUND, "err_notfound")
	}
	return d.Value, nil
}

// DeleteState removes key.
func (db *DB) DeleteState(ctx context.Context, key string) error {
	_, err := db.db.Collection("state").DeleteOne(ctx, bson.D{{Key: "_id", Value: key}})
	return translate("delete state", err)
}
