package store

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/crmbot/crmbot/crm"
)

// Product index documents, in the keys collection:
//
//	pc:2026-11-23   the complaints, returns and support calls naming a product
//	                opened that UTC day: {e: {n12: {k, p, at, r}}}, one field
//	                per complaint, so filing and resolving are one $set each
//	pc:check        numbers of complaints and returns naming a product that
//	                the managers' alert has not looked at yet
//	pa:solar panel  the days managers were alerted about that product
//	pc:indexed      marker: complaints filed before the index are in it
const (
	keyProductDay     = "pc:"
	keyProductCheck   = "pc:check"
	keyProductAlert   = "pa:"
	keyProductIndexed = "pc:indexed"
)

var _ crm.ProductStore = (*DB)(nil)

// productEntry is one complaint in a pc:<day> document.
type productEntry struct {
	Kind     string    `bson:"k"`
	Product  string    `bson:"p"`
	OpenedAt time.Time `bson:"at"`
	Resolved bool      `bson:"r"`
}

type productDayDoc struct {
	Entries map[string]productEntry `bson:"e"`
}

// productField is the field of complaint no in its day document; the "n"
// keeps the name from reading as an array index.
func productField(no crm.ComplaintNo) string {
	return "e.n" + strconv.FormatInt(int64(no), 10)
}

// indexProductComplaint writes c into its day's product document and, for a
// complaint or a return, lists it for the managers' alert, in that order, so
// the alert never sees a listed number the day document lacks. A complaint
// without a product is not indexed.
func (db *DB) indexProductComplaint(ctx context.Context, c *crm.Complaint) error {
	if strings.TrimSpace(c.Product) == "" {
		return nil
	}
	e := productEntry{Kind: string(c.Kind), Product: c.Product, OpenedAt: c.OpenedAt, Resolved: !c.Open()}
	_, err := db.keys.UpdateOne(ctx, bson.D{{Key: "_id", Value: keyProductDay + dayKey(c.OpenedAt)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: productField(c.No), Value: e}}}},
		options.UpdateOne().SetUpsert(true))
	if err != nil {
		return translate("index product complaint", err)
	}
	if c.Kind == crm.ComplaintKindSupport {
		return nil
	}
	return db.addKeys(ctx, strconv.FormatInt(int64(c.No), 10), []string{keyProductCheck})
}

// resolveProductComplaint marks c resolved in its day's product document.
// The filter is the _id alone (any other filter scans the keys on the
// embedded store); a complaint filed before the index gets a bare entry,
// which readers skip.
func (db *DB) resolveProductComplaint(ctx context.Context, c *crm.Complaint) error {
	if strings.TrimSpace(c.Product) == "" {
		return nil
	}
	_, err := db.keys.UpdateOne(ctx, bson.D{{Key: "_id", Value: keyProductDay + dayKey(c.OpenedAt)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: productField(c.No) + ".r", Value: true}}}})
	return translate("index product resolution", err)
}

// ProductComplaints reads one pc:<day> document per UTC day from since to until.
func (db *DB) ProductComplaints(ctx context.Context, since, until time.Time) ([]crm.ProductComplaint, error) {
	var out []crm.ProductComplaint
	last := dayKey(until)
	for d := since.UTC(); dayKey(d) <= last; d = d.AddDate(0, 0, 1) {
		var doc productDayDoc
		err := db.keys.FindOne(ctx, bson.D{{Key: "_id", Value: keyProductDay + dayKey(d)}}).Decode(&doc)
		if err == mongo.ErrNoDocuments {
			continue
		}
		if err != nil {
			return nil, translate("read product index "+dayKey(d), err)
		}
		for f, e := range doc.Entries {
			n, err := strconv.ParseInt(strings.TrimPrefix(f, "n"), 10, 64)
			if err != nil || e.Product == "" || e.Kind == "" {
				continue // a bare resolution mark of a complaint filed before the index
			}
			out = append(out, crm.ProductComplaint{No: crm.ComplaintNo(n), Kind: crm.ComplaintKind(e.Kind),
				Product: e.Product, OpenedAt: e.OpenedAt, Resolved: e.Resolved})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].OpenedAt.Equal(out[j].OpenedAt) {
			return out[i].OpenedAt.Before(out[j].OpenedAt)
		}
		return out[i].No < out[j].No
	})
	return out, nil
}

// ProductComplaintsToCheck reads the pc:check document.
func (db *DB) ProductComplaintsToCheck(ctx context.Context) ([]crm.ComplaintNo, error) {
	ids, err := db.lookup(ctx, keyProductCheck)
	if err != nil {
		return nil, err
	}
	out := make([]crm.ComplaintNo, 0, len(ids))
	for _, id := range ids {
		if n, err := strconv.ParseInt(id, 10, 64); err == nil {
			out = append(out, crm.ComplaintNo(n))
		}
	}
	return out, nil
}

// ProductComplaintsChecked pulls nos from the pc:check document in one
// update ($pullAll: the embedded server ignores $pull with $in).
func (db *DB) ProductComplaintsChecked(ctx context.Context, nos []crm.ComplaintNo) error {
	if len(nos) == 0 {
		return nil
	}
	ids := make(bson.A, len(nos))
	for i, n := range nos {
		ids[i] = strconv.FormatInt(int64(n), 10)
	}
	_, err := db.keys.UpdateOne(ctx, bson.D{{Key: "_id", Value: keyProductCheck}},
		bson.D{{Key: "$pullAll", Value: bson.D{{Key: "ids", Value: ids}}}})
	return translate("take product complaints off the check list", err)
}

// ProductAlerts reads the pa:<key> document.
func (db *DB) ProductAlerts(ctx context.Context, key string) ([]string, error) {
	return db.lookup(ctx, keyProductAlert+key)
}

// RecordProductAlert adds day to the pa:<key> document.
func (db *DB) RecordProductAlert(ctx context.Context, key, day string) error {
	return db.addKeys(ctx, day, []string{keyProductAlert + key})
}

// IndexProductComplaints scans the complaints that name a product once per
// database, behind the pc:indexed marker, and writes them into their day
// documents with one update per day. They are not listed for the alert:
// they are history, not news.
func (db *DB) IndexProductComplaints(ctx context.Context) (int, error) {
	if ids, err := db.lookup(ctx, keyProductIndexed); err != nil || len(ids) > 0 {
		return 0, err
	}
	cur, err := db.complaints.Find(ctx, bson.D{{Key: "product", Value: bson.D{{Key: "$nin", Value: bson.A{"", nil}}}}})
	if err != nil {
		return 0, translate("find complaints with a product", err)
	}
	var docs []complaintDoc
	if err := cur.All(ctx, &docs); err != nil {
		return 0, translate("read complaints with a product", err)
	}
	byDay := map[string]bson.D{}
	for _, d := range docs {
		c := d.Complaint
		c.No = crm.ComplaintNo(d.No)
		if strings.TrimSpace(c.Product) == "" {
			continue
		}
		k := keyProductDay + dayKey(c.OpenedAt)
		byDay[k] = append(byDay[k], bson.E{Key: productField(c.No),
			Value: productEntry{Kind: string(c.Kind), Product: c.Product, OpenedAt: c.OpenedAt, Resolved: !c.Open()}})
	}
	n := 0
	for k, set := range byDay {
		// One command per day document: a bulk of updates stalls the embedded server.
		_, err := db.keys.UpdateOne(ctx, bson.D{{Key: "_id", Value: k}}, bson.D{{Key: "$set", Value: set}},
			options.UpdateOne().SetUpsert(true))
		if err != nil {
			return n, translate("index product complaints", err)
		}
		n += len(set)
	}
	return n, db.addKeys(ctx, "done", []string{keyProductIndexed})
}
