package store

import (
	"context"
	"slices"
	"strconv"
	"strings"
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

// EditComplaint corrects a complaint's text or product, on its document,
// on the customer's open list and in the product index.
func (db *DB) EditComplaint(ctx context.Context, no crm.ComplaintNo, e crm.ComplaintEdit, by crm.StaffID, at time.Time) (*crm.Complaint, *crm.Complaint, error) {
	was, err := db.Complaint(ctx, no)
	if err != nil {
		return nil, nil, err
	}
	now := *was
	if e.Text != nil {
		now.Text = *e.Text
	}
	if e.Product != nil {
		now.Product = *e.Product
	}
	if err := db.rewriteComplaint(ctx, was, &now); err != nil {
		return nil, nil, err
	}
	return was, &now, db.journal(ctx, &crm.Write{Kind: crm.WriteEditComplaint, Staff: by, At: at, CustomerID: was.CustomerID, Complaint: was})
}

// rewriteComplaint writes now over was: the document, the customer's open
// entry and the product index.
func (db *DB) rewriteComplaint(ctx context.Context, was, now *crm.Complaint) error {
	_, err := db.complaints.ReplaceOne(ctx, bson.D{{Key: "_id", Value: int64(now.No)}}, complaintDoc{No: int64(now.No), Complaint: *now})
	if err != nil {
		return translate("edit complaint", err)
	}
	if now.Open() && was.Text != now.Text {
		c, err := db.Customer(ctx, now.CustomerID)
		if err != nil {
			return err
		}
		open := slices.Clone(c.Open)
		for i := range open {
			if open[i].No == now.No {
				open[i].Text = now.Text
			}
		}
		// The array is rewritten whole: its entry cannot be updated in
		// place by a condition on the embedded store (DESIGN §5).
		if _, err := db.customers.UpdateOne(ctx, bson.D{{Key: "_id", Value: string(now.CustomerID)}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "open", Value: open}}}}); err != nil {
			return translate("edit open complaint", err)
		}
	}
	if strings.TrimSpace(was.Product) != "" && strings.TrimSpace(now.Product) == "" {
		return db.unindexProductComplaint(ctx, was)
	}
	return db.indexProductComplaint(ctx, now)
}

// unindexProductComplaint takes a complaint out of the product index.
func (db *DB) unindexProductComplaint(ctx context.Context, c *crm.Complaint) error {
	if strings.TrimSpace(c.Product) == "" {
		return nil
	}
	_, err := db.keys.UpdateOne(ctx, bson.D{{Key: "_id", Value: keyProductDay + dayKey(c.OpenedAt)}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: productField(c.No), Value: ""}}}})
	if err != nil {
		return translate("unindex product complaint", err)
	}
	return db.removeKeys(ctx, strconv.FormatInt(int64(c.No), 10), []string{keyProductCheck})
}

// DeleteComplaint removes a complaint and takes it off its customer's
// counts and open list.
func (db *DB) DeleteComplaint(ctx context.Context, no crm.ComplaintNo, by crm.StaffID, at time.Time) (*crm.Complaint, error) {
	was, err := db.Complaint(ctx, no)
	if err != nil {
		return nil, err
	}
	if err := db.dropComplaint(ctx, was); err != nil {
		return nil, err
	}
	return was, db.journal(ctx, &crm.Write{Kind: crm.WriteDeleteComplaint, Staff: by, At: at, CustomerID: was.CustomerID, Complaint: was})
}

func complaintCounter(c *crm.Complaint) string {
	if c.Kind == crm.ComplaintKindReturn {
		return "stats.returns"
	}
	return "stats.complaints"
}

// dropComplaint deletes c and its traces on the customer.
func (db *DB) dropComplaint(ctx context.Context, c *crm.Complaint) error {
	res, err := db.complaints.DeleteOne(ctx, bson.D{{Key: "_id", Value: int64(c.No)}})
	if err != nil {
		return translate("delete complaint", err)
	}
	if res.DeletedCount == 0 {
		return crm.Errorf(crm.ENOTFOUND, "err_complaint_not_found", "no", int64(c.No))
	}
	if c.Open() {
		if err := db.closeOpen(ctx, c.CustomerID, c.No); err != nil {
			return err
		}
	}
	if _, err := db.customers.UpdateOne(ctx, bson.D{{Key: "_id", Value: string(c.CustomerID)}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: complaintCounter(c), Value: -1}}}}); err != nil {
		return translate("uncount complaint", err)
	}
	return db.unindexProductComplaint(ctx, c)
}

// restoreComplaint puts a deleted complaint back as it was.
func (db *DB) restoreComplaint(ctx context.Context, c *crm.Complaint) error {
	if _, err := db.complaints.InsertOne(ctx, complaintDoc{No: int64(c.No), Complaint: *c}); err != nil {
		return translate("restore complaint", err)
	}
	inc := bson.D{{Key: complaintCounter(c), Value: 1}}
	update := bson.D{}
	if c.Open() {
		inc = append(inc, bson.E{Key: "stats.opencomplaints", Value: 1})
		update = append(update, bson.E{Key: "$push", Value: bson.D{{Key: "open", Value: crm.ComplaintSummary{No: c.No, Text: c.Text, OpenedAt: c.OpenedAt}}}})
	}
	update = append(update, bson.E{Key: "$inc", Value: inc})
	if _, err := db.customers.UpdateOne(ctx, bson.D{{Key: "_id", Value: string(c.CustomerID)}}, update); err != nil {
		return translate("restore complaint", err)
	}
	return db.indexProductComplaint(ctx, c)
}

// reopenComplaint takes back a resolution: c is the complaint as it was
// before it was resolved.
func (db *DB) reopenComplaint(ctx context.Context, c *crm.Complaint) error {
	res, err := db.complaints.UpdateOne(ctx, bson.D{{Key: "_id", Value: int64(c.No)}}, bson.D{{Key: "$set", Value: bson.D{
		{Key: "resolvedat", Value: time.Time{}},
		{Key: "resolvedby", Value: ""},
		{Key: "resolution", Value: ""},
		{Key: "note", Value: c.Note},
		{Key: "satisfied", Value: c.Satisfied},
	}}})
	if err != nil {
		return translate("reopen complaint", err)
	}
	if res.MatchedCount == 0 {
		return crm.Errorf(crm.ENOTFOUND, "err_complaint_not_found", "no", int64(c.No))
	}
	cur, err := db.Complaint(ctx, c.No)
	if err != nil {
		return err
	}
	if _, err := db.customers.UpdateOne(ctx, bson.D{{Key: "_id", Value: string(cur.CustomerID)}}, bson.D{
		{Key: "$push", Value: bson.D{{Key: "open", Value: crm.ComplaintSummary{No: cur.No, Text: cur.Text, OpenedAt: cur.OpenedAt}}}},
		{Key: "$inc", Value: bson.D{{Key: "stats.opencomplaints", Value: 1}}},
	}); err != nil {
		return translate("reopen complaint", err)
	}
	return db.indexProductComplaint(ctx, cur)
}
