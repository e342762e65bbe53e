package store

import (
	"context"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/crmbot/crmbot/crm"
)

type complaintDoc struct {
	No            int64 `bson:"_id"`
	crm.Complaint `bson:",inline"`
}

// next returns the next number of a counter, starting at 1.
func (db *DB) next(ctx context.Context, name string) (int64, error) {
	var d struct {
		N int64 `bson:"n"`
	}
	err := db.counters.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: name}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&d)
	if err != nil {
		return 0, translate("next "+name+" number", err)
	}
	return d.N, nil
}

// FileComplaint numbers and stores c, adds it to the customer's open list
// and, when it names a product, to the product index (store/products.go).
func (db *DB) FileComplaint(ctx context.Context, c *crm.Complaint) error {
	if _, err := db.Customer(ctx, c.CustomerID); err != nil {
		return err
	}
	n, err := db.next(ctx, "complaint")
	if err != nil {
		return err
	}
	c.No = crm.ComplaintNo(n)
	if _, err := db.complaints.InsertOne(ctx, complaintDoc{No: n, Complaint: *c}); err != nil {
		return translate("insert complaint", err)
	}
	counter := "stats.complaints"
	if c.Kind == crm.ComplaintKindReturn {
		counter = "stats.returns"
	}
	_, err = db.customers.UpdateOne(ctx, bson.D{{Key: "_id", Value: string(c.CustomerID)}}, bson.D{
		{Key: "$push", Value: bson.D{{Key: "open", Value: crm.ComplaintSummary{No: c.No, Text: c.Text, OpenedAt: c.OpenedAt}}}},
		{Key: "$inc", Value: bson.D{{Key: counter, Value: 1}, {Key: "stats.opencomplaints", Value: 1}}},
	})
	if err != nil {
		return translate("file complaint", err)
	}
	if err := db.indexProductComplaint(ctx, c); err != nil {
		return err
	}
	return db.journal(ctx, &crm.Write{Kind: crm.WriteComplaint, Staff: c.OpenedBy, At: c.OpenedAt, CustomerID: c.CustomerID, Complaint: c})
}

// Complaint returns one complaint by number.
func (db *DB) Complaint(ctx context.Context, no crm.ComplaintNo) (*crm.Complaint, error) {
	var d complaintDoc
	if err := db.complaints.FindOne(ctx, bson.D{{Key: "_id", Value: int64(no)}}).Decode(&d); err != nil {
		return nil, translate("find complaint", err)
	}
	d.Complaint.No = crm.ComplaintNo(d.No)
	return &d.Complaint, nil
}

// ResolveComplaint closes an open complaint with one conditional write, so
// two people resolving it at once get one success and one ECONFLICT.
func (db *DB) ResolveComplaint(ctx context.Context, no crm.ComplaintNo, by crm.StaffID, at time.Time, r crm.Resolution, note string, satisfied *bool) (*crm.Complaint, error) {
	c, err := db.Complaint(ctx, no)
	if err != nil {
		return nil, err
	}
	if !c.Open() {
		return c, crm.Errorf(crm.ECONFLICT, "err_complaint_resolved", "no", int64(no))
	}
	var d complaintDoc
	err = db.complaints.FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: int64(no)}, {Key: "resolution", Value: ""}},
		bson.D{{Key: "$set", Value: bson.D{
			{Key: "resolvedat", Value: at},
			{Key: "resolvedby", Value: string(by)},
			{Key: "resolution", Value: string(r)},
			{Key: "note", Value: note},
			{Key: "satisfied", Value: satisfied},
		}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if err != nil {
		if crm.ErrorCode(translate("", err)) == crm.ENOTFOUND {
			return c, crm.Errorf(crm.ECONFLICT, "err_complaint_resolved", "no", int64(no))
		}
		return nil, translate("resolve complaint", err)
	}
	d.Complaint.No = crm.ComplaintNo(d.No)
	if err := db.closeOpen(ctx, c.CustomerID, no); err != nil {
		return nil, err
	}
	if err := db.resolveProductComplaint(ctx, &d.Complaint); err != nil {
		return nil, err
	}
	if err := db.journal(ctx, &crm.Write{Kind: crm.WriteResolve, Staff: by, At: at, CustomerID: c.CustomerID, Complaint: c}); err != nil {
		return nil, err
	}
	return &d.Complaint, nil
}

// closeOpen takes complaint no off the customer's open list and count. The
// entry is pulled as the exact value read from the customer: a $pull with
// a condition ({no: 12}) removes nothing on the embedded store (DESIGN §5),
// while an exact value is pulled by both servers, and a complaint filed
// meanwhile is left alone, as a rewrite of the whole array would not.
func (db *DB) closeOpen(ctx context.Context, id crm.CustomerID, no crm.ComplaintNo) error {
	c, err := db.Customer(ctx, id)
	if err != nil {
		return err
	}
	var exact []crm.ComplaintSummary
	for _, o := range c.Open {
		if o.No == no {
			exact = append(exact, o)
		}
	}
	update := bson.D{{Key: "$inc", Value: bson.D{{Key: "stats.opencomplaints", Value: -1}}}}
	if len(exact) > 0 {
		update = append(update, bson.E{Key: "$pullAll", Value: bson.D{{Key: "open", Value: exact}}})
	}
	_, err = db.customers.UpdateOne(ctx, bson.D{{Key: "_id", Value: string(id)}}, update)
	return translate("close complaint "+strconv.FormatInt(int64(no), 10), err)
}
