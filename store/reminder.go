package store

import (
	"context"
	"fmt"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/crmbot/crmbot/crm"
)

// keyOpenReminders lists a staff member's open reminders, so "followups"
// reads one key document and the reminders by _id.
const keyOpenReminders = "r:"

type reminderDoc struct {
	ID           string `bson:"_id"`
	crm.Reminder `bson:",inline"`
}

// AddReminder stores r with a new ID and lists it as open for its staff member.
func (db *DB) AddReminder(ctx context.Context, r *crm.Reminder) error {
	r.ID = newID()
	if r.CreatedAt.IsZero() {
		r.CreatedAt = db.now()
	}
	// The reminder and its keys are one recoverable write (store/intent.go):
	// a reminder stored without its due-day key would never be nudged.
	if err := db.withIntent(ctx, opRemind, r.ID, reminderDoc{ID: r.ID, Reminder: *r}, nil); err != nil {
		return err
	}
	return db.journalReminder(ctx, r)
}

// opRemind is the intent of a new reminder: insert it, list it as open for
// its staff member and under its due day.
const opRemind = "remind"

// redoRemind runs a new reminder's steps; each finds its work done when run again.
func (db *DB) redoRemind(ctx context.Context, raw bson.Raw) error {
	var d reminderDoc
	if err := bson.Unmarshal(raw, &d); err != nil {
		return fmt.Errorf("read reminder: %w", err)
	}
	if _, err := db.reminders.InsertOne(ctx, d); err != nil && !mongo.IsDuplicateKeyError(err) {
		return translate("insert reminder", err)
	}
	if err := db.step(opRemind + "/inserted"); err != nil {
		return err
	}
	// The due-day key is the scheduler's index (store/nudge.go).
	return db.addKeys(ctx, d.ID, []string{keyOpenReminders + string(d.Staff), keyDue + dayKey(d.DueAt)})
}

func (db *DB) reminder(ctx context.Context, id string) (*crm.Reminder, error) {
	var d reminderDoc
	if err := db.reminders.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, translate("find reminder", err)
	}
	d.Reminder.ID = d.ID
	return &d.Reminder, nil
}

// OpenReminders returns a staff member's open reminders, earliest first.
func (db *DB) OpenReminders(ctx context.Context, staff crm.StaffID) ([]crm.Reminder, error) {
	ids, err := db.lookup(ctx, keyOpenReminders+string(staff))
	if err != nil {
		return nil, err
	}
	out := make([]crm.Reminder, 0, len(ids))
	for _, id := range ids {
		r, err := db.reminder(ctx, id)
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		if r.DoneAt.IsZero() {
			out = append(out, *r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].DueAt.Before(out[j].DueAt) })
	return out, nil
}

// RemindersDue returns every open reminder due before t, earliest first.
func (db *DB) RemindersDue(ctx context.Context, before time.Time) ([]crm.Reminder, error) {
	cur, err := db.reminders.Find(ctx, bson.D{
		{Key: "doneat", Value: time.Time{}},
		{Key: "dueat", Value: bson.D{{Key: "$lt", Value: before}}},
	}, options.Find().SetSort(bson.D{{Key: "dueat", Value: 1}}))
	if err != nil {
		return nil, translate("find due reminders", err)
	}
	var docs []reminderDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate("read due reminders", err)
	}
	out := make([]crm.Reminder, len(docs))
	for i, d := range docs {
		out[i] = d.Reminder
		out[i].ID = d.ID
	}
	return out, nil
}

// CompleteReminder marks a reminder done and takes it off its owner's open list.
func (db *DB) CompleteReminder(ctx context.Context, id string, at time.Time) error {
	r, err := db.reminder(ctx, id)
	if err != nil {
		return err
	}
	_, err = db.reminders.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "doneat", Value: at}}}})
	if err != nil {
		return translate("complete reminder", err)
	}
	if err := db.removeKeys(ctx, id, []string{keyOpenReminders + string(r.Staff), keyDue + dayKey(r.DueAt)}); err != nil {
		return err
	}
	if !r.DoneAt.IsZero() {
		return nil // done already: nothing for undo to reopen
	}
	return db.journal(ctx, &crm.Write{Kind: crm.WriteDone, Staff: r.Staff, At: at, CustomerID: r.CustomerID, Reminders: []crm.Reminder{*r}})
}

// reopenReminder takes back a "done": the reminder is open and listed again.
func (db *DB) reopenReminder(ctx context.Context, r *crm.Reminder) error {
	res, err := db.reminders.UpdateOne(ctx, bson.D{{Key: "_id", Value: r.ID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "doneat", Value: time.Time{}}}}})
	if err != nil {
		return translate("reopen reminder", err)
	}
	if res.MatchedCount == 0 {
		return crm.Errorf(crm.ENOTFOUND, "err_reminder_not_found")
	}
	return db.addKeys(ctx, r.ID, []string{keyOpenReminders + string(r.Staff), keyDue + dayKey(r.DueAt)})
}
