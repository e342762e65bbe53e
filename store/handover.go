package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/crmbot/crmbot/crm"
)

// SetStaffActive gives a staff member access or takes it away. Every
// identity maps to the one staff document, so this covers every platform.
func (db *DB) SetStaffActive(ctx context.Context, id crm.StaffID, active bool) error {
	return db.setStaff(ctx, id, "active", active)
}

// TouchStaff records activity with $max, so replicas racing never move it back.
func (db *DB) TouchStaff(ctx context.Context, id crm.StaffID, at time.Time) error {
	_, err := db.staff.UpdateOne(ctx, bson.D{{Key: "_id", Value: string(id)}},
		bson.D{{Key: "$max", Value: bson.D{{Key: "lastseen", Value: at}}}})
	return translate("touch staff", err)
}

// handOverBatch bounds the customers read at once; HandOver reads again
// until none is left, since each one it moves leaves the owner's list.
const handOverBatch = 500

// HandOver moves from's open reminders and owned customers to to. Each
// reminder is listed under to before it leaves from's list, and customers
// change owner through UpdateCustomer so their indexes follow, so an
// interrupted hand-over loses nothing and a second run finishes it. Finding
// the owned customers scans the collection on the embedded store (DESIGN §5);
// it is a rare manager action.
func (db *DB) HandOver(ctx context.Context, from, to crm.StaffID) (customers, reminders int, err error) {
	rs, err := db.OpenReminders(ctx, from)
	if err != nil {
		return 0, 0, err
	}
	for _, r := range rs {
		if err := db.addKeys(ctx, r.ID, []string{keyOpenReminders + string(to)}); err != nil {
			return customers, reminders, err
		}
		if _, err := db.reminders.UpdateOne(ctx, bson.D{{Key: "_id", Value: r.ID}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "staff", Value: string(to)}}}}); err != nil {
			return customers, reminders, translate("hand over reminder", err)
		}
		if err := db.removeKeys(ctx, r.ID, []string{keyOpenReminders + string(from)}); err != nil {
			return customers, reminders, err
		}
		reminders++
	}
	for {
		cs, err := db.CustomersOwnedBy(ctx, from, handOverBatch)
		if err != nil {
			return customers, reminders, err
		}
		if len(cs) == 0 {
			return customers, reminders, nil
		}
		for _, c := range cs {
			if _, err := db.UpdateCustomer(ctx, c.ID, crm.CustomerUpdate{Owner: &to}); err != nil {
				return customers, reminders, err
			}
			customers++
		}
	}
}
