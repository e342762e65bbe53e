package store

import (
	"context"
	"errors"
	"sort"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/crmbot/crmbot/crm"
)

// keyAudit lists a customer's audit entries, so history reads one key
// document and the entries by _id; keyAuditStaff lists changes to staff.
const (
	keyAudit      = "au:"
	keyAuditStaff = "au:-staff"
)

type auditDoc struct {
	ID             string `bson:"_id"`
	crm.AuditEntry `bson:",inline"`
}

// Audit inserts e, then lists it. A crash between the two leaves an entry
// that history does not show, never a listed entry that is missing.
func (db *DB) Audit(ctx context.Context, e *crm.AuditEntry) error {
	e.ID = newID()
	if e.At.IsZero() {
		e.At = db.now()
	}
	if _, err := db.db.Collection("audit").InsertOne(ctx, auditDoc{ID: e.ID, AuditEntry: *e}); err != nil {
		return translate("insert audit entry", err)
	}
	return db.addKeys(ctx, e.ID, []string{auditKey(e.Customer)})
}

// History reads a customer's entries by _id through their key document.
func (db *DB) History(ctx context.Context, customer crm.CustomerID, limit int) ([]crm.AuditEntry, error) {
	ids, err := db.lookup(ctx, auditKey(customer))
	if err != nil {
		return nil, err
	}
	// Ids are time-ordered (newID), so the newest are the largest: read
	// only those a page shows.
	sort.Sort(sort.Reverse(sort.StringSlice(ids)))
	if len(ids) > limit {
		ids = ids[:limit]
	}
	out := make([]crm.AuditEntry, 0, len(ids))
	for _, id := range ids {
		var d auditDoc
		err := db.db.Collection("audit").FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
		if errors.Is(err, mongo.ErrNoDocuments) {
			continue
		}
		if err != nil {
			return nil, translate("read audit entry", err)
		}
		d.AuditEntry.ID = d.ID
		out = append(out, d.AuditEntry)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.After(out[j].At) })
	return out, nil
}

func auditKey(c crm.CustomerID) string {
	if c == "" {
		return keyAuditStaff
	}
	return keyAudit + string(c)
}
