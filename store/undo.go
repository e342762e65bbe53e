package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/crmbot/crmbot/crm"
)

// The writes journal: every write a staff member can take back is a
// document in the writes collection, and the key undo:<staff> lists the
// latest undoKept of them, oldest first. Undo reads that one key and the
// entry by _id; taking an entry back deletes it first, so two undos at
// once take back two different writes, never one twice (DESIGN §5: a
// DeleteOne has exactly one winner on both servers).
const (
	keyUndo  = "undo:"
	undoKept = 20
)

type writeDoc struct {
	ID        string `bson:"_id"`
	crm.Write `bson:",inline"`
}

func (db *DB) writes() *mongo.Collection { return db.db.Collection("writes") }

// journal records w as its staff member's latest write and forgets the
// oldest beyond undoKept. Writes without a staff member (imports, the
// scheduler) are nobody's to undo.
func (db *DB) journal(ctx context.Context, w *crm.Write) error {
	if w.Staff == "" {
		return nil
	}
	key := keyUndo + string(w.Staff)
	ids, err := db.lookup(ctx, key)
	if err != nil {
		return err
	}
	id := newID()
	if _, err := db.writes().InsertOne(ctx, writeDoc{ID: id, Write: *w}); err != nil {
		return translate("journal write", err)
	}
	if n := len(ids) - undoKept + 1; n > 0 {
		for _, old := range ids[:n] {
			if _, err := db.writes().DeleteOne(ctx, bson.D{{Key: "_id", Value: old}}); err != nil {
				return translate("forget write", err)
			}
		}
		if _, err := db.keys.UpdateOne(ctx, bson.D{{Key: "_id", Value: key}},
			bson.D{{Key: "$pullAll", Value: bson.D{{Key: "ids", Value: ids[:n]}}}}); err != nil {
			return translate("forget writes", err)
		}
	}
	return db.addKeys(ctx, id, []string{key})
}

// latestWrite returns the staff member's latest journalled write and its id.
func (db *DB) latestWrite(ctx context.Context, staff crm.StaffID) (string, *crm.Write, error) {
	ids, err := db.lookup(ctx, keyUndo+string(staff))
	if err != nil || len(ids) == 0 {
		return "", nil, err
	}
	var d writeDoc
	err = db.writes().FindOne(ctx, bson.D{{Key: "_id", Value: ids[len(ids)-1]}}).Decode(&d)
	if err == mongo.ErrNoDocuments {
		return "", nil, nil
	}
	if err != nil {
		return "", nil, translate("read write", err)
	}
	return d.ID, &d.Write, nil
}

// journalReminder records a new reminder. The follow-up of a logged
// contact (same staff, customer and time, right after the log) joins the
// log's entry, so one undo takes back both.
func (db *DB) journalReminder(ctx context.Context, r *crm.Reminder) error {
	id, w, err := db.latestWrite(ctx, r.Staff)
	if err != nil {
		return err
	}
	if w != nil && w.Kind == crm.WriteLog && w.Interaction != nil && len(w.Reminders) == 0 &&
		w.Interaction.CustomerID == r.CustomerID && w.Interaction.FollowUpAt.Equal(r.DueAt) {
		_, err := db.writes().UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
			bson.D{{Key: "$push", Value: bson.D{{Key: "reminders", Value: *r}}}})
		return translate("journal follow-up", err)
	}
	return db.journal(ctx, &crm.Write{Kind: crm.WriteReminder, Staff: r.Staff, At: r.CreatedAt, CustomerID: r.CustomerID, Reminders: []crm.Reminder{*r}})
}

// Undo takes back the staff member's latest write. An entry whose records
// are gone already (deleted by someone else) is taken back as far as it
// still can be.
func (db *DB) Undo(ctx context.Context, staff crm.StaffID, since, at time.Time, tier func(crm.Stats) crm.Tier) (*crm.Write, error) {
	key := keyUndo + string(staff)
	ids, err := db.lookup(ctx, key)
	if err != nil {
		return nil, err
	}
	for i := len(ids) - 1; i >= 0; i-- {
		id := ids[i]
		var d writeDoc
		err := db.writes().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
		if err == mongo.ErrNoDocuments {
			if err := db.removeKeys(ctx, id, []string{key}); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, translate("read write", err)
		}
		w := &d.Write
		if w.At.Before(since) {
			return w, crm.Errorf(crm.EINVALID, "err_undo_too_old")
		}
		res, err := db.writes().DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
		if err != nil {
			return nil, translate("claim undo", err)
		}
		if err := db.removeKeys(ctx, id, []string{key}); err != nil {
			return nil, err
		}
		if res.DeletedCount == 0 {
			continue // a concurrent undo took this one
		}
		if err := db.takeBack(ctx, w, tier); err != nil {
			return w, fmt.Errorf("undo %s: %w", w.Kind, err)
		}
		return w, nil
	}
	return nil, crm.Errorf(crm.ENOTFOUND, "err_undo_nothing")
}

// NoteCustomerEdit journals an edit of a customer's details.
func (db *DB) NoteCustomerEdit(ctx context.Context, kind crm.WriteKind, by crm.StaffID, at time.Time, before *crm.Customer) error {
	return db.journal(ctx, &crm.Write{Kind: kind, Staff: by, At: at, CustomerID: before.ID, Customer: before})
}

// restoreDetails puts back a customer's contact, profile and lost mark as
// they were before an edit ("edit", "lost"), and moves the customer
// between the lookup keys.
func (db *DB) restoreDetails(ctx context.Context, b *crm.Customer, tier func(crm.Stats) crm.Tier) error {
	cur, err := db.Customer(ctx, b.ID)
	if err != nil {
		return err
	}
	c := *cur
	c.Name, c.Company, c.Phones, c.Emails = b.Name, b.Company, b.Phones, b.Emails
	c.Address, c.City, c.Website, c.Social = b.Address, b.City, b.Website, b.Social
	c.PreferredContact, c.Source, c.Language, c.Owner = b.PreferredContact, b.Source, b.Language, b.Owner
	c.Birthday, c.Anniversary, c.Family = b.Birthday, b.Anniversary, b.Family
	c.Hobbies, c.Memberships, c.Notes = b.Hobbies, b.Memberships, b.Notes
	c.Lost = b.Lost
	switch {
	case c.Lost != nil:
		c.Stats.Tier = crm.TierLost
	case cur.Lost != nil && tier != nil: // a "lost" taken back: the tier from the figures
		c.Stats.Tier = tier(c.Stats)
	}
	_, err = db.customers.UpdateOne(ctx, bson.D{{Key: "_id", Value: string(c.ID)}}, bson.D{{Key: "$set", Value: bson.D{
		{Key: "name", Value: c.Name}, {Key: "company", Value: c.Company},
		{Key: "phones", Value: c.Phones}, {Key: "emails", Value: c.Emails},
		{Key: "address", Value: c.Address}, {Key: "city", Value: c.City},
		{Key: "website", Value: c.Website}, {Key: "social", Value: c.Social},
		{Key: "preferredcontact", Value: c.PreferredContact}, {Key: "source", Value: c.Source},
		{Key: "language", Value: c.Language}, {Key: "owner", Value: string(c.Owner)},
		{Key: "birthday", Value: string(c.Birthday)}, {Key: "anniversary", Value: string(c.Anniversary)},
		{Key: "family", Value: c.Family}, {Key: "hobbies", Value: c.Hobbies},
		{Key: "memberships", Value: c.Memberships}, {Key: "notes", Value: c.Notes},
		{Key: "lost", Value: c.Lost}, {Key: "stats.tier", Value: string(c.Stats.Tier)},
		{Key: "updatedat", Value: db.now()},
	}}})
	if err != nil {
		return translate("restore customer details", err)
	}
	return db.rekey(ctx, cur, &c)
}

// takeBack reverses one write.
func (db *DB) takeBack(ctx context.Context, w *crm.Write, tier func(crm.Stats) crm.Tier) error {
	switch w.Kind {
	case crm.WriteSale:
		cur, err := db.saleByID(ctx, w.Sale.ID)
		if err != nil {
			return err
		}
		return db.swapSale(ctx, cur, nil, tier, func(c *crm.Customer) {
			if w.WonBack == nil || c.Lost != nil {
				return
			}
			lost := w.WonBack.Lost
			c.Lost = &lost
			for i := len(c.WonBack) - 1; i >= 0; i-- {
				if c.WonBack[i].Sale == w.Sale.No {
					c.WonBack = append(c.WonBack[:i:i], c.WonBack[i+1:]...)
					break
				}
			}
		})
	case crm.WriteEditSale:
		cur, err := db.saleByID(ctx, w.Sale.ID)
		if err != nil {
			return err
		}
		w.Edited.Sale = cur
		return db.swapSale(ctx, cur, w.Sale, tier, nil)
	case crm.WriteDeleteSale:
		return db.swapSale(ctx, nil, w.Sale, tier, nil)
	case crm.WriteLog:
		for _, r := range w.Reminders {
			if err := db.dropReminder(ctx, &r); err != nil {
				return err
			}
		}
		cur, err := db.interactionByID(ctx, w.Interaction.ID)
		if err != nil {
			return err
		}
		return db.swapLog(ctx, cur, nil)
	case crm.WriteEditLog:
		cur, err := db.interactionByID(ctx, w.Interaction.ID)
		if err != nil {
			return err
		}
		w.Edited.Interaction = cur
		return db.swapLog(ctx, cur, w.Interaction)
	case crm.WriteDeleteLog:
		return db.swapLog(ctx, nil, w.Interaction)
	case crm.WriteComplaint:
		cur, err := db.Complaint(ctx, w.Complaint.No)
		if err != nil {
			return err
		}
		return db.dropComplaint(ctx, cur)
	case crm.WriteResolve:
		cur, err := db.Complaint(ctx, w.Complaint.No)
		if err != nil {
			return err
		}
		if cur.Open() {
			return crm.Errorf(crm.ECONFLICT, "err_undo_reopened", "no", int64(cur.No))
		}
		return db.reopenComplaint(ctx, w.Complaint)
	case crm.WriteEditComplaint:
		cur, err := db.Complaint(ctx, w.Complaint.No)
		if err != nil {
			return err
		}
		w.Edited.Complaint = cur
		return db.rewriteComplaint(ctx, cur, w.Complaint)
	case crm.WriteDeleteComplaint:
		return db.restoreComplaint(ctx, w.Complaint)
	case crm.WriteEditCustomer, crm.WriteLost:
		return db.restoreDetails(ctx, w.Customer, tier)
	case crm.WriteDone:
		for _, r := range w.Reminders {
			if err := db.reopenReminder(ctx, &r); err != nil {
				return err
			}
		}
		return nil
	case crm.WriteReminder:
		for _, r := range w.Reminders {
			if err := db.dropReminder(ctx, &r); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("unknown write %q", w.Kind)
}

// dropReminder deletes a reminder and its index entries.
func (db *DB) dropReminder(ctx context.Context, r *crm.Reminder) error {
	if _, err := db.reminders.DeleteOne(ctx, bson.D{{Key: "_id", Value: r.ID}}); err != nil {
		return translate("delete reminder", err)
	}
	return db.removeKeys(ctx, r.ID, []string{keyOpenReminders + string(r.Staff), keyDue + dayKey(r.DueAt)})
}
