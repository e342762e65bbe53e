package store

import (
	"context"
	"slices"
	"sort"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/crmbot/crmbot/crm"
)

// live is what the embedded store remembers of the rows its timers look
// for, so that no timer scans a collection (the embedded server serves
// only an exact _id from its index and scans for anything else, DESIGN §5):
// the unsent outbox messages of each platform, and the sent messages and
// inbox keys in the order they will be forgotten. One process owns an
// embedded store and every write to those rows goes through it, so once
// loaded (by one scan, on first use) memory is the whole truth. Against
// MongoDB the same queries are served by its indexes and there is no live.
type live struct {
	mu     sync.Mutex
	loaded bool
	unsent map[string]map[string]bool // platform → message ids
	sent   []aged                     // message ids, by when they were sent
	seen   []aged                     // inbox keys, by when they were first seen
	// pending are the scheduler's deliveries still to send; finished the
	// others, by when they finished (which is after they were created).
	pending  map[string]bool
	finished []aged
	// claim makes ClaimDue one at a time, so its read-check-write by _id is
	// a claim: two callers never both take a message.
	claim sync.Mutex
}

type aged struct {
	id string
	at time.Time
}

// lives holds a live per database of one embedded server, shared by every
// DB handle on it (Use gives tests several).
type lives struct {
	mu sync.Mutex
	by map[string]*live
}

func (ls *lives) of(database string) *live {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.by == nil {
		ls.by = map[string]*live{}
	}
	l := ls.by[database]
	if l == nil {
		l = &live{}
		ls.by[database] = l
	}
	return l
}

// live returns the database's live index, loaded; nil against MongoDB.
func (db *DB) live(ctx context.Context) (*live, error) {
	if db.embedded == nil {
		return nil, nil
	}
	l := db.embedded.lives.of(db.db.Name())
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.loaded {
		return l, nil
	}
	if err := l.load(ctx, db.db); err != nil {
		return nil, err
	}
	l.loaded = true
	return l, nil
}

// load reads the outbox and the inbox once.
func (l *live) load(ctx context.Context, d *mongo.Database) error {
	l.unsent = map[string]map[string]bool{}
	cur, err := d.Collection("outbox").Find(ctx, bson.D{}, options.Find().SetBatchSize(5000).
		SetProjection(bson.D{{Key: "platform", Value: 1}, {Key: "sentat", Value: 1}}))
	if err != nil {
		return translate("load outbox", err)
	}
	var rows []struct {
		ID       string    `bson:"_id"`
		Platform string    `bson:"platform"`
		SentAt   time.Time `bson:"sentat"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return translate("load outbox", err)
	}
	for _, r := range rows {
		if r.SentAt.IsZero() {
			l.addUnsentLocked(r.Platform, r.ID)
		} else {
			l.sent = append(l.sent, aged{r.ID, r.SentAt})
		}
	}
	cur, err = d.Collection("inbox").Find(ctx, bson.D{}, options.Find().SetBatchSize(5000))
	if err != nil {
		return translate("load inbox", err)
	}
	var seen []seenDoc
	if err := cur.All(ctx, &seen); err != nil {
		return translate("load inbox", err)
	}
	for _, s := range seen {
		l.seen = append(l.seen, aged{s.Key, s.At})
	}
	l.pending = map[string]bool{}
	cur, err = d.Collection("deliveries").Find(ctx, bson.D{}, options.Find().SetBatchSize(5000).
		SetProjection(bson.D{{Key: "state", Value: 1}, {Key: "createdat", Value: 1}}))
	if err != nil {
		return translate("load deliveries", err)
	}
	var ds []struct {
		ID        string    `bson:"_id"`
		State     string    `bson:"state"`
		CreatedAt time.Time `bson:"createdat"`
	}
	if err := cur.All(ctx, &ds); err != nil {
		return translate("load deliveries", err)
	}
	for _, x := range ds {
		if x.State == crm.StatePending {
			l.pending[x.ID] = true
		} else {
			l.finished = append(l.finished, aged{x.ID, x.CreatedAt})
		}
	}
	byAge := func(xs []aged) { sort.SliceStable(xs, func(i, j int) bool { return xs[i].at.Before(xs[j].at) }) }
	byAge(l.sent)
	byAge(l.seen)
	byAge(l.finished)
	return nil
}

// deliveryState records a delivery's new state: pending, or finished at.
func (l *live) deliveryState(id, state string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if state == crm.StatePending {
		l.pending[id] = true
		return
	}
	if l.pending[id] {
		delete(l.pending, id)
		l.finished = append(l.finished, aged{id, at})
	}
}

// pendingIDs lists the deliveries still to send.
func (l *live) pendingIDs() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	ids := make([]string, 0, len(l.pending))
	for id := range l.pending {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func (l *live) addUnsentLocked(platform, id string) {
	if l.unsent[platform] == nil {
		l.unsent[platform] = map[string]bool{}
	}
	l.unsent[platform][id] = true
}

func (l *live) addUnsent(platform, id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.addUnsentLocked(platform, id)
}

// markSent moves a message from unsent to sent.
func (l *live) markSent(id string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, ids := range l.unsent {
		delete(ids, id)
	}
	l.sent = append(l.sent, aged{id, at})
}

// drop forgets a message that is gone.
func (l *live) drop(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, ids := range l.unsent {
		delete(ids, id)
	}
}

func (l *live) addSeen(key string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seen = append(l.seen, aged{key, at})
}

// unsentIDs lists a platform's unsent messages.
func (l *live) unsentIDs(platform string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	ids := make([]string, 0, len(l.unsent[platform]))
	for id := range l.unsent[platform] {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// older takes up to limit entries of *list recorded before t off its front.
func (l *live) older(list *[]aged, before time.Time, limit int) []aged {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for n < len(*list) && n < limit && (*list)[n].at.Before(before) {
		n++
	}
	out := slices.Clone((*list)[:n])
	*list = (*list)[n:]
	return out
}

// forgetBatch bounds how many rows one clean-up pass deletes, each by _id,
// so a pass after a long pause does not hold the one connection for long;
// the next pass takes the rest.
const forgetBatch = 2000

// claimDueLive is ClaimDue on the embedded store: the platform's unsent
// messages are read by _id, the due ones claimed oldest first by a write
// by _id. A message found sent or gone leaves the live index.
func (db *DB) claimDueLive(ctx context.Context, l *live, platform, owner string, now time.Time, lease time.Duration, limit int) ([]crm.OutboxMessage, error) {
	l.claim.Lock()
	defer l.claim.Unlock()
	out := db.db.Collection("outbox")
	var due []outboxDoc
	for _, id := range l.unsentIDs(platform) {
		var d outboxDoc
		err := out.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
		switch {
		case err == mongo.ErrNoDocuments:
			l.drop(id)
			continue
		case err != nil:
			return nil, translate("read message", err)
		case !d.SentAt.IsZero():
			l.markSent(id, d.SentAt)
			continue
		}
		if !d.NextAt.After(now) && d.LeaseTill.Before(now) {
			due = append(due, d)
		}
	}
	sort.SliceStable(due, func(i, j int) bool { return due[i].CreatedAt.Before(due[j].CreatedAt) })
	var claimed []crm.OutboxMessage
	for _, d := range due[:min(len(due), limit)] {
		till := now.Add(lease)
		_, err := out.UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, bson.D{
			{Key: "$set", Value: bson.D{{Key: "owner", Value: owner}, {Key: "leasetill", Value: till}}},
			{Key: "$inc", Value: bson.D{{Key: "attempts", Value: 1}}},
		})
		if err != nil {
			return claimed, translate("claim message", err)
		}
		m := d.OutboxMessage
		m.ID, m.Owner, m.LeaseTill, m.Attempts = d.ID, owner, till, m.Attempts+1
		claimed = append(claimed, m)
	}
	return claimed, nil
}

// forgetLive deletes, by _id, up to forgetBatch rows of list older than
// before from coll.
func (db *DB) forgetLive(ctx context.Context, l *live, list *[]aged, coll string, before time.Time) (int64, error) {
	var n int64
	for _, x := range l.older(list, before, forgetBatch) {
		res, err := db.db.Collection(coll).DeleteOne(ctx, bson.D{{Key: "_id", Value: x.id}})
		if err != nil {
			// Put back what is left, so the next pass deletes it.
			l.mu.Lock()
			*list = append([]aged{x}, *list...)
			l.mu.Unlock()
			return n, translate("forget "+coll, err)
		}
		n += res.DeletedCount
	}
	return n, nil
}
