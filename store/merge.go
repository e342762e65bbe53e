package store

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/crmbot/crmbot/crm"
)

var _ crm.MergeStore = (*DB)(nil)

type mergeDoc struct {
	No        int64 `bson:"_id"`
	crm.Merge `bson:",inline"`
}

func (db *DB) merges() *mongo.Collection { return db.db.Collection("merges") }

// maxSameName caps the customers of one company compared pairwise by name.
const maxSameName = 200

// Duplicates scans the customers once (projection of name, company, phones
// and e-mails) and pairs those sharing a phone or an e-mail, then those with
// near-identical names in one company.
func (db *DB) Duplicates(ctx context.Context, limit int) ([]crm.Duplicate, error) {
	byContact := map[string][]crm.SegmentMember{}
	byCompany := map[string][]crm.SegmentMember{}
	fields := bson.D{{Key: "name", Value: 1}, {Key: "company", Value: 1}, {Key: "phones", Value: 1}, {Key: "emails", Value: 1}}
	err := db.scanCustomers(ctx, bson.D{}, fields, func(c *crm.Customer) {
		m := crm.SegmentMember{ID: c.ID, Name: c.Name}
		for _, p := range c.Phones {
			byContact["phone\x00"+p] = append(byContact["phone\x00"+p], m)
		}
		for _, e := range c.Emails {
			byContact["email\x00"+e] = append(byContact["email\x00"+e], m)
		}
		if co := fold(strings.Join(strings.Fields(c.Company), " ")); co != "" {
			byCompany[co] = append(byCompany[co], m)
		}
	})
	if err != nil {
		return nil, err
	}
	var out []crm.Duplicate
	seen := map[[2]crm.CustomerID]bool{}
	add := func(a, b crm.SegmentMember, reason, value string) {
		if a.ID > b.ID {
			a, b = b, a
		}
		if k := [2]crm.CustomerID{a.ID, b.ID}; !seen[k] {
			seen[k] = true
			out = append(out, crm.Duplicate{A: a, B: b, Reason: reason, Value: value})
		}
	}
	keys := make([]string, 0, len(byContact))
	for k, ms := range byContact {
		if len(ms) > 1 {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		reason, value, _ := strings.Cut(k, "\x00")
		ms := byContact[k]
		for i := 1; i < len(ms); i++ {
			add(ms[0], ms[i], reason, value)
		}
	}
	companies := make([]string, 0, len(byCompany))
	for co, ms := range byCompany {
		if len(ms) > 1 && len(ms) <= maxSameName {
			companies = append(companies, co)
		}
	}
	sort.Strings(companies)
	for _, co := range companies {
		ms := byCompany[co]
		for i := range ms {
			for j := i + 1; j < len(ms); j++ {
				if crm.NearName(ms[i].Name, ms[j].Name) {
					add(ms[i], ms[j], "name", co)
				}
			}
		}
	}
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// recordsOf returns the _id of every document of coll held by customer id.
func recordsOf[T any](ctx context.Context, coll *mongo.Collection, id crm.CustomerID) ([]T, error) {
	cur, err := coll.Find(ctx, bson.D{{Key: "customerid", Value: string(id)}}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, translate("find records of "+coll.Name(), err)
	}
	var docs []struct {
		ID T `bson:"_id"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate("read records of "+coll.Name(), err)
	}
	out := make([]T, len(docs))
	for i, d := range docs {
		out[i] = d.ID
	}
	return out, nil
}

// moveRecords sets customerid to id on each listed document, one UpdateOne
// each (a bulk of updates stalls the embedded server).
func moveRecords[T any](ctx context.Context, coll *mongo.Collection, ids []T, to crm.CustomerID) error {
	for _, id := range ids {
		if _, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "customerid", Value: string(to)}}}}); err != nil {
			return translate("move record of "+coll.Name(), err)
		}
	}
	return nil
}

// allKeys are every lookup and index key a customer document implies.
func allKeys(c *crm.Customer) []string {
	keys := customerKeys(c)
	keys = append(keys, careKeys(c)...)
	keys = append(keys, keyCreated+dayKey(c.CreatedAt))
	if k := reorderKey(c.Stats); k != "" {
		keys = append(keys, k)
	}
	return keys
}

// rekey moves id between the keys of old and c and rewrites its segment row.
func (db *DB) rekey(ctx context.Context, old, c *crm.Customer) error {
	if err := db.moveKeys(ctx, string(c.ID), allKeys(old), allKeys(c)); err != nil {
		return err
	}
	if err := db.rerow(ctx, old, c); err != nil {
		return err
	}
	return db.addVocabulary(ctx, nameWords(c))
}

// replaceCustomer writes c whole over its document.
func (db *DB) replaceCustomer(ctx context.Context, c *crm.Customer) error {
	_, err := db.customers.ReplaceOne(ctx, bson.D{{Key: "_id", Value: string(c.ID)}}, customerDoc{ID: string(c.ID), Customer: *c})
	return translate("replace customer", err)
}

// MergeCustomers merges gone into keep. The merge record is written first
// and marked done last, so an interrupted merge is visible and is not
// offered for undo. There is no multi-document transaction (FerretDB v1 has
// none): a write to either customer during the merge can be lost.
func (db *DB) MergeCustomers(ctx context.Context, keep, gone crm.CustomerID, by crm.StaffID, at time.Time, tier func(crm.Stats) crm.Tier) (*crm.Merge, *crm.Customer, error) {
	if keep == gone {
		return nil, nil, crm.Errorf(crm.EINVALID, "err_merge_self")
	}
	a, err := db.Customer(ctx, keep)
	if err != nil {
		return nil, nil, err
	}
	b, err := db.Customer(ctx, gone)
	if err != nil {
		return nil, nil, err
	}
	m := &crm.Merge{Keep: keep, Gone: gone, By: by, At: at, Before: *a, Removed: *b}
	if m.Interactions, err = recordsOf[string](ctx, db.interactions, gone); err != nil {
		return nil, nil, err
	}
	if m.Sales, err = recordsOf[string](ctx, db.sales, gone); err != nil {
		return nil, nil, err
	}
	if m.Reminders, err = recordsOf[string](ctx, db.reminders, gone); err != nil {
		return nil, nil, err
	}
	nos, err := recordsOf[int64](ctx, db.complaints, gone)
	if err != nil {
		return nil, nil, err
	}
	for _, n := range nos {
		m.Complaints = append(m.Complaints, crm.ComplaintNo(n))
	}
	if m.No, err = db.next(ctx, "merge"); err != nil {
		return nil, nil, err
	}
	if _, err := db.merges().InsertOne(ctx, mergeDoc{No: m.No, Merge: *m}); err != nil {
		return nil, nil, translate("record merge", err)
	}
	if err := db.moveAll(ctx, m, keep); err != nil {
		return nil, nil, err
	}
	c := crm.Merged(a, b)
	c.UpdatedAt = at
	if c.Lost == nil && tier != nil {
		c.Stats.Tier = tier(c.Stats)
	}
	if err := db.replaceCustomer(ctx, &c); err != nil {
		return nil, nil, err
	}
	if err := db.removeKeys(ctx, string(gone), allKeys(b)); err != nil {
		return nil, nil, err
	}
	if err := db.unrow(ctx, gone); err != nil {
		return nil, nil, err
	}
	if _, err := db.customers.DeleteOne(ctx, bson.D{{Key: "_id", Value: string(gone)}}); err != nil {
		return nil, nil, translate("delete merged customer", err)
	}
	if err := db.rekey(ctx, a, &c); err != nil {
		return nil, nil, err
	}
	m.Done = true
	if _, err := db.merges().UpdateOne(ctx, bson.D{{Key: "_id", Value: m.No}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "done", Value: true}}}}); err != nil {
		return nil, nil, translate("finish merge", err)
	}
	return m, &c, nil
}

func (db *DB) moveAll(ctx context.Context, m *crm.Merge, to crm.CustomerID) error {
	if err := moveRecords(ctx, db.interactions, m.Interactions, to); err != nil {
		return err
	}
	if err := moveRecords(ctx, db.sales, m.Sales, to); err != nil {
		return err
	}
	if err := moveRecords(ctx, db.reminders, m.Reminders, to); err != nil {
		return err
	}
	nos := make([]int64, len(m.Complaints))
	for i, n := range m.Complaints {
		nos[i] = int64(n)
	}
	return moveRecords(ctx, db.complaints, nos, to)
}

// UndoMerge claims the undo with one conditional write on the merge record
// (two undos at once: one wins, the other gets ECONFLICT), then re-inserts
// the removed customer, moves its records back and takes its share off the
// kept customer.
func (db *DB) UndoMerge(ctx context.Context, no int64, at time.Time, tier func(crm.Stats) crm.Tier) (*crm.Merge, error) {
	var d mergeDoc
	if err := db.merges().FindOne(ctx, bson.D{{Key: "_id", Value: no}}).Decode(&d); err != nil {
		if crm.ErrorCode(translate("", err)) == crm.ENOTFOUND {
			return nil, crm.Errorf(crm.ENOTFOUND, "err_merge_unknown", "no", no)
		}
		return nil, translate("find merge", err)
	}
	m := &d.Merge
	m.No = d.No
	if !m.Done || !m.UndoneAt.IsZero() {
		return m, crm.Errorf(crm.ECONFLICT, "err_merge_undone", "no", no)
	}
	res, err := db.merges().UpdateOne(ctx, bson.D{{Key: "_id", Value: no}, {Key: "undoneat", Value: time.Time{}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "undoneat", Value: at}}}})
	if err != nil {
		return nil, translate("claim undo", err)
	}
	if res.ModifiedCount == 0 {
		return m, crm.Errorf(crm.ECONFLICT, "err_merge_undone", "no", no)
	}
	m.UndoneAt = at
	cur, err := db.Customer(ctx, m.Keep)
	if err != nil {
		return nil, err
	}
	b := m.Removed
	if _, err := db.customers.InsertOne(ctx, customerDoc{ID: string(b.ID), Customer: b}); err != nil {
		return nil, translate("restore customer", err)
	}
	if err := db.moveAll(ctx, m, b.ID); err != nil {
		return nil, err
	}
	c := crm.Unmerged(cur, m)
	c.UpdatedAt = at
	if c.Lost == nil && tier != nil {
		c.Stats.Tier = tier(c.Stats)
	}
	if err := db.replaceCustomer(ctx, &c); err != nil {
		return nil, err
	}
	if err := db.rekey(ctx, cur, &c); err != nil {
		return nil, err
	}
	if err := db.addKeys(ctx, string(b.ID), allKeys(&b)); err != nil {
		return nil, fmt.Errorf("restore keys: %w", err)
	}
	if err := db.rerow(ctx, nil, &b); err != nil {
		return nil, fmt.Errorf("restore keys: %w", err)
	}
	return m, nil
}
