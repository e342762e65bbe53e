package store

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/crmbot/crmbot/crm"
)

var _ crm.SchedulerStore = (*DB)(nil)

// Scheduler keys in the keys collection:
//
//	due:2026-12-01   reminders due that UTC day whose nudge is not planned yet
//	cdue:2026-12-01  credit sales falling due that UTC day
//	sched:reminders-indexed  present once the open reminders were listed by due day
const (
	keyDue         = "due:"
	keyCreditDue   = "cdue:"
	keyIndexedOnce = "sched:reminders-indexed"
)

// dayKey is the UTC calendar day of t.
func dayKey(t time.Time) string { return t.UTC().Format("2006-01-02") }

// deliveryDoc is a planned delivery; claimDoc is one attempt at it, or its
// sent mark (attempt 0, _id "<delivery>!sent"). Both live in small
// collections of their own, so a scan for pending work stays short.
type deliveryDoc struct {
	ID           string `bson:"_id"`
	crm.Delivery `bson:",inline"`
}

type claimDoc struct {
	ID        string       `bson:"_id"`
	Delivery  string       `bson:"delivery"`
	Attempt   int          `bson:"attempt"`
	Owner     string       `bson:"owner"`
	At        time.Time    `bson:"at"`
	LeaseTill time.Time    `bson:"leasetill"`
	Released  bool         `bson:"released"`
	NextAt    time.Time    `bson:"nextat"`
	Reason    string       `bson:"reason"`
	Via       crm.Identity `bson:"via,omitempty"`
}

func claimID(delivery string, attempt int) string { return delivery + "#" + strconv.Itoa(attempt) }
func sentID(delivery string) string               { return delivery + "!sent" }

func (db *DB) deliveries() *mongo.Collection { return db.db.Collection("deliveries") }
func (db *DB) claims() *mongo.Collection     { return db.db.Collection("claims") }

// PlanDelivery inserts d under its deterministic id; a duplicate means it
// was planned already, by this replica or another.
func (db *DB) PlanDelivery(ctx context.Context, d *crm.Delivery) (bool, error) {
	if d.CreatedAt.IsZero() {
		d.CreatedAt = db.now()
	}
	if d.State == "" {
		d.State = crm.StatePending
	}
	l, err := db.live(ctx)
	if err != nil {
		return false, err
	}
	_, err = db.deliveries().InsertOne(ctx, deliveryDoc{ID: d.ID, Delivery: *d})
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	if err != nil {
		return false, translate("plan delivery "+d.ID, err)
	}
	if l != nil {
		l.deliveryState(d.ID, d.State, d.CreatedAt)
	}
	return true, nil
}

// Delivery returns one delivery.
func (db *DB) Delivery(ctx context.Context, id string) (*crm.Delivery, error) {
	var d deliveryDoc
	if err := db.deliveries().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, translate("find delivery "+id, err)
	}
	d.Delivery.ID = d.ID
	return &d.Delivery, nil
}

// pendingLive reads the pending deliveries of the live index by _id.
func (db *DB) pendingLive(ctx context.Context, l *live) ([]deliveryDoc, error) {
	var out []deliveryDoc
	for _, id := range l.pendingIDs() {
		var d deliveryDoc
		err := db.deliveries().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
		switch {
		case err == mongo.ErrNoDocuments:
			l.deliveryState(id, crm.StateCancelled, db.now())
			continue
		case err != nil:
			return nil, translate("read delivery "+id, err)
		case d.State != crm.StatePending:
			l.deliveryState(id, d.State, db.now())
			continue
		}
		out = append(out, d)
	}
	return out, nil
}

// PendingDeliveries reads the pending deliveries of the live index on the
// embedded store; on MongoDB, a query its index serves.
func (db *DB) PendingDeliveries(ctx context.Context, now time.Time, limit int) ([]crm.Delivery, error) {
	l, err := db.live(ctx)
	if err != nil {
		return nil, err
	}
	if l != nil {
		docs, err := db.pendingLive(ctx, l)
		if err != nil {
			return nil, err
		}
		var out []crm.Delivery
		for _, d := range docs {
			if !d.DueAt.After(now) && !d.NextAt.After(now) {
				d.Delivery.ID = d.ID
				out = append(out, d.Delivery)
			}
		}
		sort.SliceStable(out, func(i, j int) bool {
			if !out[i].DueAt.Equal(out[j].DueAt) {
				return out[i].DueAt.Before(out[j].DueAt)
			}
			return out[i].ID < out[j].ID
		})
		return out[:min(len(out), limit)], nil
	}
	cur, err := db.deliveries().Find(ctx, bson.D{
		{Key: "state", Value: crm.StatePending},
		{Key: "dueat", Value: bson.D{{Key: "$lte", Value: now}}},
		{Key: "nextat", Value: bson.D{{Key: "$lte", Value: now}}},
	}, options.Find().SetSort(bson.D{{Key: "dueat", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, translate("find pending deliveries", err)
	}
	var docs []deliveryDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate("read pending deliveries", err)
	}
	out := make([]crm.Delivery, len(docs))
	for i, d := range docs {
		out[i] = d.Delivery
		out[i].ID = d.ID
	}
	return out, nil
}

func (db *DB) claimDoc(ctx context.Context, id string) (*claimDoc, error) {
	var c claimDoc
	err := db.claims().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&c)
	if err == mongo.ErrNoDocuments {
		return nil, nil
	}
	if err != nil {
		return nil, translate("read claim "+id, err)
	}
	return &c, nil
}

// latest returns the highest attempt of a delivery, probing upwards from
// the hint the delivery document keeps (a crash may leave the hint low).
func (db *DB) latest(ctx context.Context, delivery string, hint int) (*claimDoc, error) {
	var last *claimDoc
	n := max(hint, 1)
	if hint > 1 {
		c, err := db.claimDoc(ctx, claimID(delivery, hint))
		if err != nil {
			return nil, err
		}
		if c == nil { // the hint ran ahead of the claims: start from the beginning
			n = 1
		}
	}
	for ; ; n++ {
		c, err := db.claimDoc(ctx, claimID(delivery, n))
		if err != nil {
			return nil, err
		}
		if c == nil {
			return last, nil
		}
		last = c
	}
}

// ClaimDelivery inserts "<id>#<n+1>" after checking that attempt n is over;
// the unique _id decides between workers that checked at the same time.
func (db *DB) ClaimDelivery(ctx context.Context, id, owner string, now time.Time, lease time.Duration, maxAttempts int) (crm.Claim, error) {
	d, err := db.Delivery(ctx, id)
	if err != nil {
		return crm.Claim{}, err
	}
	if d.State != crm.StatePending {
		return crm.Claim{}, crm.Errorf(crm.ECONFLICT, "err_conflict")
	}
	last, err := db.latest(ctx, id, d.Attempts)
	if err != nil {
		return crm.Claim{}, err
	}
	n := 0
	if last != nil {
		n = last.Attempt
		if !last.Released && !last.LeaseTill.Before(now) {
			return crm.Claim{}, crm.Errorf(crm.ECONFLICT, "err_conflict")
		}
		if last.Released && last.NextAt.After(now) {
			return crm.Claim{}, crm.Errorf(crm.ECONFLICT, "err_conflict")
		}
	}
	// The sent mark is read after the latest attempt: MarkDelivered inserts
	// the mark before it releases its attempt, so whoever sees that attempt
	// released also sees the mark.
	if sent, err := db.claimDoc(ctx, sentID(id)); err != nil {
		return crm.Claim{}, err
	} else if sent != nil {
		db.setDelivery(ctx, id, bson.D{{Key: "state", Value: crm.StateSent}, {Key: "sentat", Value: sent.At}, {Key: "via", Value: sent.Via}})
		return crm.Claim{}, crm.Errorf(crm.ECONFLICT, "err_conflict")
	}
	if n+1 > maxAttempts {
		return crm.Claim{}, crm.Errorf(crm.EINVALID, "err_attempts_spent")
	}
	c := crm.Claim{Delivery: id, Attempt: n + 1, Owner: owner, At: now, LeaseTill: now.Add(lease)}
	_, err = db.claims().InsertOne(ctx, claimDoc{ID: claimID(id, c.Attempt), Delivery: id, Attempt: c.Attempt,
		Owner: owner, At: now, LeaseTill: c.LeaseTill})
	if mongo.IsDuplicateKeyError(err) {
		return crm.Claim{}, crm.Errorf(crm.ECONFLICT, "err_conflict")
	}
	if err != nil {
		return crm.Claim{}, translate("claim delivery "+id, err)
	}
	// Hints only: a pending delivery is not offered again while the lease holds.
	db.setDelivery(ctx, id, bson.D{{Key: "attempts", Value: c.Attempt}, {Key: "nextat", Value: c.LeaseTill}})
	return c, nil
}

// setDelivery updates the informative fields of a delivery document; a
// failure is harmless since the claims are the truth.
func (db *DB) setDelivery(ctx context.Context, id string, set bson.D) error {
	_, err := db.deliveries().UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: set}})
	if err != nil {
		return translate("update delivery "+id, err)
	}
	for _, e := range set {
		if e.Key != "state" {
			continue
		}
		if l, err := db.live(ctx); err == nil && l != nil {
			state, _ := e.Value.(string)
			l.deliveryState(id, state, db.now())
		}
	}
	return nil
}

// Current reports whether c is the latest, unreleased attempt of an unsent delivery.
func (db *DB) Current(ctx context.Context, c crm.Claim) (bool, error) {
	for _, id := range []string{claimID(c.Delivery, c.Attempt+1), sentID(c.Delivery)} {
		d, err := db.claimDoc(ctx, id)
		if err != nil {
			return false, err
		}
		if d != nil {
			return false, nil
		}
	}
	own, err := db.claimDoc(ctx, claimID(c.Delivery, c.Attempt))
	if err != nil {
		return false, err
	}
	return own != nil && own.Owner == c.Owner && !own.Released, nil
}

// MarkDelivered inserts "<id>!sent" after checking c is current: the insert
// makes the first mark the only one.
func (db *DB) MarkDelivered(ctx context.Context, c crm.Claim, at time.Time, via crm.Identity) error {
	ok, err := db.Current(ctx, c)
	if err != nil {
		return err
	}
	if !ok {
		return crm.Errorf(crm.ECONFLICT, "err_conflict")
	}
	_, err = db.claims().InsertOne(ctx, claimDoc{ID: sentID(c.Delivery), Delivery: c.Delivery, Attempt: c.Attempt,
		Owner: c.Owner, At: at, Released: true, Via: via})
	if mongo.IsDuplicateKeyError(err) {
		return crm.Errorf(crm.ECONFLICT, "err_conflict")
	}
	if err != nil {
		return translate("mark delivery sent "+c.Delivery, err)
	}
	db.release(ctx, c, at, "")
	return db.setDelivery(ctx, c.Delivery, bson.D{{Key: "state", Value: crm.StateSent}, {Key: "sentat", Value: at}, {Key: "via", Value: via}})
}

func (db *DB) release(ctx context.Context, c crm.Claim, next time.Time, reason string) error {
	_, err := db.claims().UpdateOne(ctx, bson.D{{Key: "_id", Value: claimID(c.Delivery, c.Attempt)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "released", Value: true}, {Key: "nextat", Value: next}, {Key: "reason", Value: reason}}}})
	return translate("release claim "+c.Delivery, err)
}

// GiveUp releases c's attempt and records what is next for the delivery.
func (db *DB) GiveUp(ctx context.Context, c crm.Claim, state string, next time.Time, reason string) error {
	ok, err := db.Current(ctx, c)
	if err != nil {
		return err
	}
	if !ok {
		return crm.Errorf(crm.ECONFLICT, "err_conflict")
	}
	if err := db.release(ctx, c, next, reason); err != nil {
		return err
	}
	return db.setDelivery(ctx, c.Delivery, bson.D{{Key: "state", Value: state}, {Key: "nextat", Value: next}, {Key: "lasterror", Value: reason}})
}

// Rescue finds pending deliveries whose hint says a lease should have
// lapsed, and reads their latest attempt: retry, live or dead.
func (db *DB) Rescue(ctx context.Context, now time.Time, maxAttempts int) (crm.RescueCounts, error) {
	var n crm.RescueCounts
	docs, err := db.claimedPending(ctx)
	if err != nil {
		return n, err
	}
	for _, d := range docs {
		if sent, err := db.claimDoc(ctx, sentID(d.ID)); err != nil {
			return n, err
		} else if sent != nil {
			db.setDelivery(ctx, d.ID, bson.D{{Key: "state", Value: crm.StateSent}, {Key: "sentat", Value: sent.At}, {Key: "via", Value: sent.Via}})
			continue
		}
		last, err := db.latest(ctx, d.ID, d.Attempts)
		if err != nil {
			return n, err
		}
		switch {
		case last == nil:
			n.Retry++
			db.setDelivery(ctx, d.ID, bson.D{{Key: "nextat", Value: now}})
		case !last.Released && !last.LeaseTill.Before(now):
			n.Live++
		case last.Attempt >= maxAttempts:
			n.Dead++
			reason := last.Reason
			if !last.Released {
				reason = "lease lapsed at the last attempt"
			}
			db.setDelivery(ctx, d.ID, bson.D{{Key: "state", Value: crm.StateDead}, {Key: "lasterror", Value: reason}, {Key: "attempts", Value: last.Attempt}})
		default:
			n.Retry++
			next := now
			if last.Released && last.NextAt.After(now) {
				next = last.NextAt
			}
			db.setDelivery(ctx, d.ID, bson.D{{Key: "nextat", Value: next}, {Key: "attempts", Value: last.Attempt}})
		}
	}
	return n, nil
}

// claimed is a pending delivery with attempts made.
type claimed struct {
	ID       string `bson:"_id"`
	Attempts int    `bson:"attempts"`
}

// claimedPending lists the pending deliveries with attempts: from the live
// index on the embedded store, by a query MongoDB indexes otherwise.
func (db *DB) claimedPending(ctx context.Context) ([]claimed, error) {
	l, err := db.live(ctx)
	if err != nil {
		return nil, err
	}
	var docs []claimed
	if l != nil {
		ds, err := db.pendingLive(ctx, l)
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			if d.Attempts > 0 {
				docs = append(docs, claimed{d.ID, d.Attempts})
			}
		}
		return docs, nil
	}
	cur, err := db.deliveries().Find(ctx, bson.D{
		{Key: "state", Value: crm.StatePending},
		{Key: "attempts", Value: bson.D{{Key: "$gt", Value: 0}}},
	}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "attempts", Value: 1}}))
	if err != nil {
		return nil, translate("find claimed deliveries", err)
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate("read claimed deliveries", err)
	}
	return docs, nil
}

// ForgetDeliveries deletes finished deliveries created before t, with their
// claims: on the embedded store those the live index lists, each claim by
// its _id, in batches.
func (db *DB) ForgetDeliveries(ctx context.Context, before time.Time) (int64, error) {
	l, err := db.live(ctx)
	if err != nil {
		return 0, err
	}
	if l != nil {
		var n int64
		for _, x := range l.older(&l.finished, before, forgetBatch) {
			var d deliveryDoc
			err := db.deliveries().FindOne(ctx, bson.D{{Key: "_id", Value: x.id}}).Decode(&d)
			if err == mongo.ErrNoDocuments {
				continue
			}
			if err != nil {
				return n, translate("read delivery "+x.id, err)
			}
			ids := bson.A{sentID(d.ID)}
			for a := 1; a <= d.Attempts+1; a++ {
				ids = append(ids, claimID(d.ID, a))
			}
			for _, id := range ids {
				if _, err := db.claims().DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
					return n, translate("forget claim", err)
				}
			}
			if _, err := db.deliveries().DeleteOne(ctx, bson.D{{Key: "_id", Value: d.ID}}); err != nil {
				return n, translate("forget delivery", err)
			}
			n++
		}
		return n, nil
	}
	cur, err := db.deliveries().Find(ctx, bson.D{
		{Key: "state", Value: bson.D{{Key: "$in", Value: bson.A{crm.StateSent, crm.StateDead, crm.StateCancelled}}}},
		{Key: "createdat", Value: bson.D{{Key: "$lt", Value: before}}},
	}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return 0, translate("find old deliveries", err)
	}
	var ids []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &ids); err != nil {
		return 0, translate("read old deliveries", err)
	}
	var n int64
	for len(ids) > 0 {
		batch := ids[:min(len(ids), 500)]
		ids = ids[len(batch):]
		list := make(bson.A, len(batch))
		for i, x := range batch {
			list[i] = x.ID
		}
		if _, err := db.claims().DeleteMany(ctx, bson.D{{Key: "delivery", Value: bson.D{{Key: "$in", Value: list}}}}); err != nil {
			return n, translate("forget claims", err)
		}
		res, err := db.deliveries().DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: list}}}})
		if err != nil {
			return n, translate("forget deliveries", err)
		}
		n += res.DeletedCount
	}
	return n, nil
}

// DueReminders reads the due-day keys from since's UTC day to now's and the
// reminders they list, by _id.
func (db *DB) DueReminders(ctx context.Context, since, now time.Time) ([]crm.Reminder, error) {
	var out []crm.Reminder
	end := dayKey(now)
	for d := since.UTC(); ; d = d.AddDate(0, 0, 1) {
		day := dayKey(d)
		if day > end {
			break
		}
		ids, err := db.lookup(ctx, keyDue+day)
		if err != nil {
			return nil, fmt.Errorf("due reminders: %w", err)
		}
		for _, id := range ids {
			r, err := db.reminder(ctx, id)
			if crm.ErrorCode(err) == crm.ENOTFOUND {
				continue
			}
			if err != nil {
				return nil, err
			}
			if r.DoneAt.IsZero() && !r.DueAt.After(now) {
				out = append(out, *r)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].DueAt.Before(out[j].DueAt) })
	return out, nil
}

// Reminder returns one reminder by _id.
func (db *DB) Reminder(ctx context.Context, id string) (*crm.Reminder, error) {
	return db.reminder(ctx, id)
}

// Unlist takes a reminder off its due-day key.
func (db *DB) Unlist(ctx context.Context, r crm.Reminder) error {
	return db.removeKeys(ctx, r.ID, []string{keyDue + dayKey(r.DueAt)})
}

// IndexReminders lists the open reminders by due day, once per database:
// one scan of the reminders collection, then a marker.
func (db *DB) IndexReminders(ctx context.Context) (int, error) {
	if ids, err := db.lookup(ctx, keyIndexedOnce); err != nil || len(ids) > 0 {
		return 0, err
	}
	cur, err := db.reminders.Find(ctx, bson.D{{Key: "doneat", Value: time.Time{}}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "dueat", Value: 1}}))
	if err != nil {
		return 0, translate("find open reminders", err)
	}
	var docs []struct {
		ID    string    `bson:"_id"`
		DueAt time.Time `bson:"dueat"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return 0, translate("read open reminders", err)
	}
	byDay := map[string][]string{}
	for _, d := range docs {
		byDay[keyDue+dayKey(d.DueAt)] = append(byDay[keyDue+dayKey(d.DueAt)], d.ID)
	}
	var models []mongo.WriteModel
	for k, ids := range byDay {
		models = append(models, mongo.NewUpdateOneModel().SetFilter(bson.D{{Key: "_id", Value: k}}).
			SetUpdate(bson.D{{Key: "$addToSet", Value: bson.D{{Key: "ids", Value: bson.D{{Key: "$each", Value: ids}}}}}}).
			SetUpsert(true))
	}
	if len(models) > 0 {
		if _, err := db.keys.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false)); err != nil {
			return 0, translate("index reminders", err)
		}
	}
	return len(docs), db.addKeys(ctx, "done", []string{keyIndexedOnce})
}

// Index keys of the daily care run and the digest, all in the keys
// collection (see also keyDue and keyCreditDue):
//
//	md:03-14         customers with a birthday or anniversary (own or family) on that month-day
//	lc:2026-11-23    customers last contacted (or created, never contacted) that UTC day
//	ro:2026-11-23    repeat buyers whose mean interval between orders ends that day
//	new:2026-11-23   customers created that day
//	lost:2026-11-23  customers marked lost that day
//	tier:high        customers in the high tier
//	ia:2026-11-23    interactions logged that day
//	sa:2026-11-23    sales recorded that day
const (
	keyMonthDay    = "md:"
	keyLastContact = "lc:"
	keyReorder     = "ro:"
	keyCreated     = "new:"
	keyLost        = "lost:"
	keyHighTier    = "tier:high"
	keyInteraction = "ia:"
	keySale        = "sa:"
)

// careKeys are the index keys a customer document implies.
func careKeys(c *crm.Customer) []string {
	var keys []string
	seen := map[string]bool{}
	add := func(k string) {
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	for _, d := range []crm.Date{c.Birthday, c.Anniversary} {
		if md := d.MonthDay(); md != "" {
			add(keyMonthDay + md)
		}
	}
	for _, f := range c.Family {
		for _, d := range []crm.Date{f.Birthday, f.Anniversary} {
			if md := d.MonthDay(); md != "" {
				add(keyMonthDay + md)
			}
		}
	}
	add(keyLastContact + dayKey(lastContact(c)))
	if c.Stats.Tier == crm.TierHigh {
		add(keyHighTier)
	}
	if c.Lost != nil {
		add(keyLost + dayKey(c.Lost.At))
	}
	return keys
}

// lastContact is when a customer was last contacted, or created if never.
func lastContact(c *crm.Customer) time.Time {
	if c.Stats.LastContactAt.IsZero() {
		return c.CreatedAt
	}
	return c.Stats.LastContactAt
}

// reorderKey is the ro: key of a customer's figures, or "" for one with
// fewer than two orders or an unknown first order.
func reorderKey(st crm.Stats) string {
	if st.Orders < 2 || st.FirstOrderAt.IsZero() || !st.LastOrderAt.After(st.FirstOrderAt) {
		return ""
	}
	gap := st.LastOrderAt.Sub(st.FirstOrderAt) / time.Duration(st.Orders-1)
	return keyReorder + dayKey(st.LastOrderAt.Add(gap))
}

// rekeyCare moves a customer between the care index keys after a write
// changed it from old to c. A failure leaves a stale entry at worst, which
// the readers check against the document.
func (db *DB) rekeyCare(ctx context.Context, old, c *crm.Customer) error {
	return db.moveKeys(ctx, string(c.ID), careKeys(old), careKeys(c))
}

// indexSale records a sale in the sa:, cdue:, ro: and tier keys; old is the
// customer before the sale, st its figures after, tier its tier after.
func (db *DB) indexSale(ctx context.Context, old *crm.Customer, s *crm.Sale, st crm.Stats, tier crm.Tier) error {
	if err := db.addKeys(ctx, s.ID, []string{keySale + dayKey(s.At)}); err != nil {
		return err
	}
	if s.Credit != nil && !s.Credit.DueAt.IsZero() {
		if err := db.addKeys(ctx, s.ID, []string{keyCreditDue + dayKey(s.Credit.DueAt)}); err != nil {
			return err
		}
	}
	if old.Stats.FirstOrderAt.IsZero() && old.Stats.Orders == 0 {
		st.FirstOrderAt = s.At
		if _, err := db.customers.UpdateOne(ctx, bson.D{{Key: "_id", Value: string(old.ID)}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "stats.firstorderat", Value: s.At}}}}); err != nil {
			return translate("record first order", err)
		}
	}
	id := string(old.ID)
	if was, now := reorderKey(old.Stats), reorderKey(st); was != now {
		if err := db.removeKeys(ctx, id, []string{was}); was != "" && err != nil {
			return err
		}
		if err := db.addKeys(ctx, id, []string{now}); now != "" && err != nil {
			return err
		}
	}
	if old.Lost == nil && (old.Stats.Tier == crm.TierHigh) != (tier == crm.TierHigh) {
		var err error
		if tier == crm.TierHigh {
			err = db.addKeys(ctx, id, []string{keyHighTier})
		} else {
			err = db.removeKeys(ctx, id, []string{keyHighTier})
		}
		if err != nil {
			return err
		}
	}
	after := *old // the segment index (store/segindex.go): the sale moves the tier only
	after.Stats.Tier = tier
	return db.rerow(ctx, old, &after)
}

// indexInteraction records an interaction in the ia: keys and moves the
// customer's last-contact day; old is the customer before it.
func (db *DB) indexInteraction(ctx context.Context, old *crm.Customer, it *crm.Interaction) error {
	if err := db.addKeys(ctx, it.ID, []string{keyInteraction + dayKey(it.At)}); err != nil {
		return err
	}
	was := lastContact(old)
	if !it.At.After(old.Stats.LastContactAt) {
		return nil
	}
	after := *old // the segment index (store/segindex.go)
	after.Stats.LastContactAt = it.At
	if err := db.rerow(ctx, old, &after); err != nil {
		return err
	}
	if dayKey(was) == dayKey(it.At) {
		return nil
	}
	if err := db.removeKeys(ctx, string(old.ID), []string{keyLastContact + dayKey(was)}); err != nil {
		return err
	}
	return db.addKeys(ctx, string(old.ID), []string{keyLastContact + dayKey(it.At)})
}

func (db *DB) customersUnder(ctx context.Context, key string) ([]*crm.Customer, error) {
	ids, err := db.lookup(ctx, key)
	if err != nil {
		return nil, err
	}
	return db.customersByIDs(ctx, ids)
}

// CustomersWithDate reads md:<monthDay>.
func (db *DB) CustomersWithDate(ctx context.Context, monthDay string) ([]*crm.Customer, error) {
	return db.customersUnder(ctx, keyMonthDay+monthDay)
}

// CustomersLastContacted reads lc:<day>.
func (db *DB) CustomersLastContacted(ctx context.Context, day string) ([]*crm.Customer, error) {
	return db.customersUnder(ctx, keyLastContact+day)
}

// CustomersReorderDue reads ro:<day>.
func (db *DB) CustomersReorderDue(ctx context.Context, day string) ([]*crm.Customer, error) {
	return db.customersUnder(ctx, keyReorder+day)
}

// CustomersCreated reads new:<day>.
func (db *DB) CustomersCreated(ctx context.Context, day string) ([]*crm.Customer, error) {
	return db.customersUnder(ctx, keyCreated+day)
}

// CustomersLost reads lost:<day>.
func (db *DB) CustomersLost(ctx context.Context, day string) ([]*crm.Customer, error) {
	return db.customersUnder(ctx, keyLost+day)
}

// HighValueCustomers reads tier:high.
func (db *DB) HighValueCustomers(ctx context.Context) ([]*crm.Customer, error) {
	return db.customersUnder(ctx, keyHighTier)
}

// InteractionsOn reads ia:<day> and the interactions it lists.
func (db *DB) InteractionsOn(ctx context.Context, day string) ([]crm.Interaction, error) {
	ids, err := db.lookup(ctx, keyInteraction+day)
	if err != nil {
		return nil, err
	}
	out := make([]crm.Interaction, 0, len(ids))
	for _, id := range ids {
		var d interactionDoc
		err := db.interactions.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
		if err == mongo.ErrNoDocuments {
			continue
		}
		if err != nil {
			return nil, translate("find interaction", err)
		}
		d.Interaction.ID = d.ID
		out = append(out, d.Interaction)
	}
	return out, nil
}

// SalesOn reads sa:<day> and the sales it lists.
func (db *DB) SalesOn(ctx context.Context, day string) ([]crm.Sale, error) {
	return db.salesUnder(ctx, keySale+day)
}

// CreditSalesDue reads cdue:<day> and the sales it lists.
func (db *DB) CreditSalesDue(ctx context.Context, day string) ([]crm.Sale, error) {
	return db.salesUnder(ctx, keyCreditDue+day)
}

func (db *DB) salesUnder(ctx context.Context, key string) ([]crm.Sale, error) {
	ids, err := db.lookup(ctx, key)
	if err != nil {
		return nil, err
	}
	out := make([]crm.Sale, 0, len(ids))
	for _, id := range ids {
		var d saleDoc
		err := db.sales.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
		if err == mongo.ErrNoDocuments {
			continue
		}
		if err != nil {
			return nil, translate("find sale", err)
		}
		d.Sale.ID = d.ID
		out = append(out, d.Sale)
	}
	return out, nil
}

// ComplaintsSince scans the complaints collection for open ones and those
// resolved from since on.
func (db *DB) ComplaintsSince(ctx context.Context, since time.Time) ([]crm.Complaint, error) {
	cur, err := db.complaints.Find(ctx, bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "resolution", Value: ""}},
		bson.D{{Key: "resolvedat", Value: bson.D{{Key: "$gte", Value: since}}}},
	}}}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, translate("find complaints", err)
	}
	var docs []complaintDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate("read complaints", err)
	}
	out := make([]crm.Complaint, len(docs))
	for i, d := range docs {
		out[i] = d.Complaint
		out[i].No = crm.ComplaintNo(d.No)
	}
	return out, nil
}
