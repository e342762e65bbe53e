package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/crmbot/crmbot/crm"
)

// A write that touches several documents cannot be one transaction here
// (the embedded server has none, DESIGN §5). It is made recoverable by an
// intent instead: before its first step the write records what it is going
// to do under a deterministic _id in the "intents" collection; every step
// can be run again without harm; the last step removes the intent. A crash
// leaves the intent behind, and FinishIntents (at start, and on the
// scheduler's tick) runs the write again from what was recorded, which
// completes it, or undoes the steps taken where it can no longer complete.
// Intents are few (one per write in flight), so listing them is cheap.

type intentDoc struct {
	ID   string    `bson:"_id"` // <op>:<key>
	Op   string    `bson:"op"`
	Data bson.Raw  `bson:"data"`
	At   time.Time `bson:"at"`
}

// redo runs a recorded write again; it must be idempotent.
type redo func(ctx context.Context, data bson.Raw) error

// intentOps are the writes that record intents, by op name.
func (db *DB) intentOps() map[string]redo {
	return map[string]redo{
		opEnrol:  db.redoEnrol,
		opAdd:    db.redoAdd,
		opImport: db.redoImport,
		opRemind: db.redoRemind,
	}
}

// withIntent records data for op under key, then runs the write: do, or
// when do is nil the op's redo from the recorded data. An intent already
// there for the same key (the same write, left by a crash or in flight) is
// finished first. A refusal (a crm error other than internal) means the
// write undid its own steps: the intent goes with it. Any other error
// leaves the intent for FinishIntents.
func (db *DB) withIntent(ctx context.Context, op, key string, data any, do func(context.Context) error) error {
	raw, err := bson.Marshal(data)
	if err != nil {
		return fmt.Errorf("record intent %s: %w", op, err)
	}
	id := op + ":" + key
	intents := db.db.Collection("intents")
	_, err = intents.InsertOne(ctx, intentDoc{ID: id, Op: op, Data: raw, At: db.now()})
	if mongo.IsDuplicateKeyError(err) {
		if err := db.finishIntent(ctx, id); err != nil {
			return err
		}
		_, err = intents.InsertOne(ctx, intentDoc{ID: id, Op: op, Data: raw, At: db.now()})
	}
	if err != nil {
		return translate("record intent "+op, err)
	}
	if err := db.step(op + "/recorded"); err != nil {
		return err
	}
	if do == nil {
		do = func(ctx context.Context) error { return db.intentOps()[op](ctx, raw) }
	}
	werr := do(ctx)
	if werr != nil && !refusal(werr) {
		return werr
	}
	if _, err := intents.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return translate("clear intent "+op, err)
	}
	return werr
}

// refusal reports whether err is the write saying no (used code, taken
// identity), after which nothing of it is left to finish.
func refusal(err error) bool {
	code := crm.ErrorCode(err)
	return code != "" && code != crm.EINTERNAL
}

// finishIntent runs the write of one left intent again and clears it.
func (db *DB) finishIntent(ctx context.Context, id string) error {
	var d intentDoc
	err := db.db.Collection("intents").FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if err == mongo.ErrNoDocuments {
		return nil // finished meanwhile
	}
	if err != nil {
		return translate("read intent", err)
	}
	do, ok := db.intentOps()[d.Op]
	if !ok {
		return fmt.Errorf("intent %s: unknown write %q", d.ID, d.Op)
	}
	if err := do(ctx, d.Data); err != nil && !refusal(err) {
		return fmt.Errorf("finish %s: %w", d.ID, err)
	}
	_, err = db.db.Collection("intents").DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	return translate("clear intent", err)
}

// FinishIntents completes (or undoes) every write recorded before before
// that is still unfinished: interrupted by a crash, or by a store that
// failed half way. It says how many it found. Start-up passes a time in the
// future, taking every intent; the scheduler's tick passes a minute ago,
// leaving writes in flight alone (finishing one twice is harmless anyway:
// every step runs again without effect).
func (db *DB) FinishIntents(ctx context.Context, before time.Time) (int, error) {
	cur, err := db.db.Collection("intents").Find(ctx, bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: before}}}})
	if err != nil {
		return 0, translate("list intents", err)
	}
	var docs []intentDoc
	if err := cur.All(ctx, &docs); err != nil {
		return 0, translate("list intents", err)
	}
	for _, d := range docs {
		if err := db.finishIntent(ctx, d.ID); err != nil {
			return 0, err
		}
		db.log.Info("interrupted write finished", "intent", d.ID)
	}
	return len(docs), nil
}

// step is a point between two steps of a write where tests stop it, as a
// crash would: a non-nil failpoint error ends the write there.
func (db *DB) step(name string) error {
	if db.failpoint == nil {
		return nil
	}
	return db.failpoint(name)
}
