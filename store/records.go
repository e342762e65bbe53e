package store

import (
	"context"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/crmbot/crmbot/crm"
)

var _ crm.RecordStore = (*DB)(nil)

// Record keys in the keys collection:
//
//	no:sale:57        the sale numbered 57
//	no:log:210        the contact numbered 210
//	csales:<customer> a customer's sales, so a correction re-derives the
//	clogs:<customer>  figures from _id reads instead of a query
//
// A customer list carries "all" when it holds every record of the customer
// (it was started with the first one, or built from a query) and "merges",
// the merge counter when it was. A merge moves records without touching the
// lists, so a list from before the latest merge is trusted only while it
// agrees with the customer (as many sales as orders, every recent contact
// listed); otherwise it is rebuilt, once.
const (
	keySaleNo        = "no:sale:"
	keyLogNo         = "no:log:"
	keyCustomerSales = "csales:"
	keyCustomerLogs  = "clogs:"
)

type recordListDoc struct {
	IDs    []string `bson:"ids"`
	All    bool     `bson:"all"`
	Merges int64    `bson:"merges"`
}

// listRecord adds id to a customer list; complete says whether a list
// started here holds every record of the customer.
func (db *DB) listRecord(ctx context.Context, key, id string, complete bool) error {
	merges, err := db.counter(ctx, "merge")
	if err != nil {
		return err
	}
	_, err = db.keys.UpdateOne(ctx, bson.D{{Key: "_id", Value: key}}, bson.D{
		{Key: "$addToSet", Value: bson.D{{Key: "ids", Value: id}}},
		{Key: "$setOnInsert", Value: bson.D{{Key: "all", Value: complete}, {Key: "merges", Value: merges}}},
	}, options.UpdateOne().SetUpsert(true))
	return translate("list record", err)
}

// recordIDs returns the ids of a customer's documents in coll through the
// list at key. A list that may miss some is completed first from one query
// by customerid (indexed on MongoDB, a scan on the embedded store), once;
// agrees says whether a list from before the latest merge still fits the
// customer.
func (db *DB) recordIDs(ctx context.Context, coll *mongo.Collection, key string, id crm.CustomerID, agrees func(ids []string) bool) ([]string, error) {
	merges, err := db.counter(ctx, "merge")
	if err != nil {
		return nil, err
	}
	var d recordListDoc
	err = db.keys.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&d)
	if err == nil && d.All && (d.Merges == merges || agrees(d.IDs)) {
		return d.IDs, nil
	}
	if err != nil && err != mongo.ErrNoDocuments {
		return nil, translate("read record list", err)
	}
	ids, err := recordsOf[string](ctx, coll, id)
	if err != nil {
		return nil, err
	}
	_, err = db.keys.UpdateOne(ctx, bson.D{{Key: "_id", Value: key}}, bson.D{
		{Key: "$addToSet", Value: bson.D{{Key: "ids", Value: bson.D{{Key: "$each", Value: ids}}}}},
		{Key: "$set", Value: bson.D{{Key: "all", Value: true}, {Key: "merges", Value: merges}}},
	}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return nil, translate("build record list", err)
	}
	return union(d.IDs, ids), nil
}

// union returns a with the values of b it lacks appended.
func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// salesOf returns a customer's sales, oldest first; orders is how many the
// customer's figures count.
func (db *DB) salesOf(ctx context.Context, id crm.CustomerID, orders int) ([]crm.Sale, error) {
	ids, err := db.recordIDs(ctx, db.sales, keyCustomerSales+string(id), id, func(ids []string) bool { return len(ids) >= orders })
	if err != nil {
		return nil, err
	}
	var out []crm.Sale
	for _, sid := range ids {
		s, err := db.saleByID(ctx, sid)
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			continue // deleted
		}
		if err != nil {
			return nil, err
		}
		if s.CustomerID == id { // a merge's undo moves records away
			out = append(out, *s)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out, nil
}

// interactionsOf returns a customer's logged contacts, oldest first;
// recent are those the customer document lists, skip one just removed.
func (db *DB) interactionsOf(ctx context.Context, id crm.CustomerID, recent []crm.Interaction, skip string) ([]crm.Interaction, error) {
	ids, err := db.recordIDs(ctx, db.interactions, keyCustomerLogs+string(id), id, func(ids []string) bool {
		for _, it := range recent {
			if it.ID != "" && it.ID != skip && !slices.Contains(ids, it.ID) {
				return false
			}
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	var out []crm.Interaction
	for _, iid := range ids {
		it, err := db.interactionByID(ctx, iid)
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		if it.CustomerID == id {
			out = append(out, *it)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out, nil
}

func (db *DB) saleByID(ctx context.Context, id string) (*crm.Sale, error) {
	var d saleDoc
	if err := db.sales.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, translate("find sale", err)
	}
	d.Sale.ID = d.ID
	return &d.Sale, nil
}

func (db *DB) interactionByID(ctx context.Context, id string) (*crm.Interaction, error) {
	var d interactionDoc
	if err := db.interactions.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, translate("find interaction", err)
	}
	d.Interaction.ID = d.ID
	return &d.Interaction, nil
}

// SaleByNo returns the sale numbered no.
func (db *DB) SaleByNo(ctx context.Context, no crm.SaleNo) (*crm.Sale, error) {
	ids, err := db.lookup(ctx, saleNoKey(no))
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		s, err := db.saleByID(ctx, id)
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			continue
		}
		return s, err
	}
	return nil, crm.Errorf(crm.ENOTFOUND, "err_sale_not_found", "no", int64(no))
}

// InteractionByNo returns the contact numbered no.
func (db *DB) InteractionByNo(ctx context.Context, no crm.LogNo) (*crm.Interaction, error) {
	ids, err := db.lookup(ctx, logNoKey(no))
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		it, err := db.interactionByID(ctx, id)
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			continue
		}
		return it, err
	}
	return nil, crm.Errorf(crm.ENOTFOUND, "err_log_not_found", "no", int64(no))
}

// saleKeys are the keys that list a sale: its day, its credit due day, its
// campaign, its number and its customer's list.
func saleKeys(s *crm.Sale) []string {
	if s == nil {
		return nil
	}
	keys := []string{keySale + dayKey(s.At), keyCustomerSales + string(s.CustomerID)}
	if s.Credit != nil && !s.Credit.DueAt.IsZero() {
		keys = append(keys, keyCreditDue+dayKey(s.Credit.DueAt))
	}
	if s.Campaign != "" {
		keys = append(keys, keyCampaignSales+s.Campaign)
	}
	if s.No != 0 {
		keys = append(keys, saleNoKey(s.No))
	}
	return keys
}

func logKeys(it *crm.Interaction) []string {
	if it == nil {
		return nil
	}
	keys := []string{keyInteraction + dayKey(it.At), keyCustomerLogs + string(it.CustomerID)}
	if it.Campaign != "" {
		keys = append(keys, keyCampaignLogs+it.Campaign)
	}
	if it.No != 0 {
		keys = append(keys, logNoKey(it.No))
	}
	return keys
}

// swapSale replaces sale was by now (nil was: put back a deleted sale; nil
// now: delete it), moves its keys and re-derives the customer's figures;
// fix, when set, changes the customer before the figures are written.
func (db *DB) swapSale(ctx context.Context, was, now *crm.Sale, tier func(crm.Stats) crm.Tier, fix func(*crm.Customer)) error {
	s := now
	if s == nil {
		s = was
	}
	var err error
	switch {
	case now == nil:
		_, err = db.sales.DeleteOne(ctx, bson.D{{Key: "_id", Value: was.ID}})
	case was == nil:
		_, err = db.sales.InsertOne(ctx, saleDoc{ID: now.ID, Sale: *now})
	default:
		_, err = db.sales.ReplaceOne(ctx, bson.D{{Key: "_id", Value: now.ID}}, saleDoc{ID: now.ID, Sale: *now})
	}
	if err != nil {
		return translate("write sale", err)
	}
	if err := db.moveKeys(ctx, s.ID, saleKeys(was), saleKeys(now)); err != nil {
		return err
	}
	return db.refigure(ctx, s.CustomerID, tier, func(c *crm.Customer) error {
		orders := c.Stats.Orders
		if was != nil {
			orders--
		}
		if now != nil {
			orders++
		}
		sales, err := db.salesOf(ctx, c.ID, orders)
		if err != nil {
			return err
		}
		var logs []crm.Interaction
		if campaignOf(was, nil) != "" || campaignOf(now, nil) != "" {
			if logs, err = db.interactionsOf(ctx, c.ID, c.Recent, ""); err != nil {
				return err
			}
		}
		saleFigures(&c.Stats, sales, logs, was, now)
		if fix != nil {
			fix(c)
		}
		return nil
	})
}

func campaignOf(s *crm.Sale, it *crm.Interaction) string {
	switch {
	case s != nil:
		return s.Campaign
	case it != nil:
		return it.Campaign
	}
	return ""
}

// saleFigures takes sale was off st and puts sale now on (either may be
// nil), given the customer's sales as they are afterwards. Sums move by the
// difference, so figures brought in by an import stay; the largest sale
// and the order dates are re-derived from the sales when they are all
// there, and otherwise only when the sale that set them went.
func saleFigures(st *crm.Stats, sales []crm.Sale, logs []crm.Interaction, was, now *crm.Sale) {
	if st.Spent == nil {
		st.Spent = map[string]int64{}
	}
	apply := func(s *crm.Sale, sign int64) {
		if s == nil {
			return
		}
		st.Orders += int(sign)
		st.Spent[s.Amount.Currency] += sign * s.Amount.Minor
		if st.Spent[s.Amount.Currency] <= 0 {
			delete(st.Spent, s.Amount.Currency)
		}
		if s.Payment == crm.PayCredit {
			st.CreditDue += sign * s.Amount.Minor
		}
		if s.Campaign != "" {
			st.CampaignResponses += int(sign)
		}
	}
	apply(was, -1)
	apply(now, 1)
	var largest int64
	var first, last time.Time
	for _, s := range sales {
		largest = max(largest, s.Amount.Minor)
		if first.IsZero() || s.At.Before(first) {
			first = s.At
		}
		if s.At.After(last) {
			last = s.At
		}
	}
	switch {
	case st.Orders <= 0:
		st.Orders, st.Largest, st.FirstOrderAt, st.LastOrderAt = 0, 0, time.Time{}, time.Time{}
	case len(sales) >= st.Orders:
		st.Largest, st.FirstOrderAt, st.LastOrderAt = largest, first, last
	default: // history from an import: only what the changed sale set moves
		if was != nil && was.Amount.Minor >= st.Largest {
			st.Largest = largest
		}
		if was != nil && !was.At.Before(st.LastOrderAt) {
			st.LastOrderAt = last
		}
		if now != nil {
			st.Largest = max(st.Largest, now.Amount.Minor)
			if now.At.After(st.LastOrderAt) {
				st.LastOrderAt = now.At
			}
		}
	}
	if campaignOf(was, nil) != "" || campaignOf(now, nil) != "" {
		st.LastCampaign = lastCampaign(sales, logs)
	}
}

// lastCampaign is the campaign of the latest tagged sale or contact.
func lastCampaign(sales []crm.Sale, logs []crm.Interaction) string {
	var at time.Time
	name := ""
	for _, s := range sales {
		if s.Campaign != "" && !s.At.Before(at) {
			at, name = s.At, s.Campaign
		}
	}
	for _, it := range logs {
		if it.Campaign != "" && !it.At.Before(at) {
			at, name = it.At, it.Campaign
		}
	}
	return name
}

// swapLog is swapSale for a logged contact: it re-derives the last contact
// and the recent list.
func (db *DB) swapLog(ctx context.Context, was, now *crm.Interaction) error {
	it := now
	if it == nil {
		it = was
	}
	var err error
	switch {
	case now == nil:
		_, err = db.interactions.DeleteOne(ctx, bson.D{{Key: "_id", Value: was.ID}})
	case was == nil:
		_, err = db.interactions.InsertOne(ctx, interactionDoc{ID: now.ID, Interaction: *now})
	default:
		_, err = db.interactions.ReplaceOne(ctx, bson.D{{Key: "_id", Value: now.ID}}, interactionDoc{ID: now.ID, Interaction: *now})
	}
	if err != nil {
		return translate("write interaction", err)
	}
	if err := db.moveKeys(ctx, it.ID, logKeys(was), logKeys(now)); err != nil {
		return err
	}
	return db.refigure(ctx, it.CustomerID, nil, func(c *crm.Customer) error {
		skip := ""
		if was != nil && now == nil {
			skip = was.ID
		}
		logs, err := db.interactionsOf(ctx, c.ID, c.Recent, skip)
		if err != nil {
			return err
		}
		var sales []crm.Sale
		if campaignOf(nil, was) != "" || campaignOf(nil, now) != "" {
			if sales, err = db.salesOf(ctx, c.ID, c.Stats.Orders); err != nil {
				return err
			}
		}
		logFigures(c, logs, sales, was, now)
		return nil
	})
}

// logFigures re-derives the last contact and the recent list of c from its
// contacts as they are afterwards.
func logFigures(c *crm.Customer, logs []crm.Interaction, sales []crm.Sale, was, now *crm.Interaction) {
	var last time.Time
	for _, it := range logs {
		if it.At.After(last) {
			last = it.At
		}
	}
	if was != nil && !was.At.Before(c.Stats.LastContactAt) || now != nil && now.At.After(c.Stats.LastContactAt) {
		c.Stats.LastContactAt = last
	}
	c.Recent = slices.Clone(logs[max(0, len(logs)-recentKept):])
	if c.Recent == nil {
		c.Recent = []crm.Interaction{}
	}
	sign := func(it *crm.Interaction) int {
		if it != nil && it.Campaign != "" {
			return 1
		}
		return 0
	}
	c.Stats.CampaignResponses += sign(now) - sign(was)
	if sign(was)+sign(now) > 0 {
		c.Stats.LastCampaign = lastCampaign(sales, logs)
	}
}

// refigure reads a customer, lets change derive its figures, writes them
// and moves the customer between the index keys they imply. tier, when
// set, recomputes the tier of a customer who is not lost.
func (db *DB) refigure(ctx context.Context, id crm.CustomerID, tier func(crm.Stats) crm.Tier, change func(*crm.Customer) error) error {
	old, err := db.Customer(ctx, id)
	if err != nil {
		return err
	}
	c := *old
	c.Stats.Spent = map[string]int64{}
	for k, v := range old.Stats.Spent {
		c.Stats.Spent[k] = v
	}
	if err := change(&c); err != nil {
		return err
	}
	switch {
	case c.Lost != nil:
		c.Stats.Tier = crm.TierLost
	case tier != nil:
		c.Stats.Tier = tier(c.Stats)
	}
	set := changedStats(old.Stats, c.Stats)
	if !reflect.DeepEqual(old.Recent, c.Recent) {
		set = append(set, bson.E{Key: "recent", Value: c.Recent})
	}
	if !reflect.DeepEqual(old.Lost, c.Lost) || !reflect.DeepEqual(old.WonBack, c.WonBack) {
		set = append(set, bson.E{Key: "lost", Value: c.Lost}, bson.E{Key: "wonback", Value: c.WonBack})
	}
	if len(set) > 0 {
		_, err = db.customers.UpdateOne(ctx, bson.D{{Key: "_id", Value: string(id)}}, bson.D{{Key: "$set", Value: set}})
		if err != nil {
			return translate("refigure customer", err)
		}
	}
	// The figures move the care and reorder keys and the segment row; the
	// name is unchanged, so the vocabulary rekey writes is not needed.
	if err := db.moveKeys(ctx, string(id), allKeys(old), allKeys(&c)); err != nil {
		return err
	}
	return db.rerow(ctx, old, &c)
}

// changedStats sets only the figures that differ, so a figure another
// write moves meanwhile is overwritten only when this change moved it too
// (there is no multi-document transaction to hold the customer).
func changedStats(old, now crm.Stats) bson.D {
	var set bson.D
	ov, nv := reflect.ValueOf(old), reflect.ValueOf(now)
	for i := range ov.NumField() {
		if !reflect.DeepEqual(ov.Field(i).Interface(), nv.Field(i).Interface()) {
			set = append(set, bson.E{Key: "stats." + strings.ToLower(ov.Type().Field(i).Name), Value: nv.Field(i).Interface()})
		}
	}
	return set
}

// EditSale corrects a sale and re-derives its customer's figures.
func (db *DB) EditSale(ctx context.Context, no crm.SaleNo, e crm.SaleEdit, by crm.StaffID, at time.Time, tier func(crm.Stats) crm.Tier) (*crm.Sale, *crm.Sale, error) {
	was, err := db.SaleByNo(ctx, no)
	if err != nil {
		return nil, nil, err
	}
	now := *was
	if e.Amount != nil {
		now.Amount = *e.Amount
	}
	if e.Product != nil {
		now.Product = *e.Product
	}
	if e.Quantity != nil {
		now.Quantity = *e.Quantity
	}
	if e.Payment != nil {
		now.Payment = *e.Payment
		now.Credit = nil
		if now.Payment == crm.PayCredit {
			now.Credit = e.Credit
			if now.Credit == nil && was.Credit != nil {
				cr := *was.Credit
				now.Credit = &cr
			}
			if now.Credit == nil {
				now.Credit = &crm.Credit{TermDays: 30}
			}
			now.Credit.DueAt = now.At.AddDate(0, 0, now.Credit.TermDays)
		}
	}
	if err := db.swapSale(ctx, was, &now, tier, nil); err != nil {
		return nil, nil, err
	}
	return was, &now, db.journal(ctx, &crm.Write{Kind: crm.WriteEditSale, Staff: by, At: at, CustomerID: was.CustomerID, Sale: was})
}

// DeleteSale removes a sale and re-derives its customer's figures.
func (db *DB) DeleteSale(ctx context.Context, no crm.SaleNo, by crm.StaffID, at time.Time, tier func(crm.Stats) crm.Tier) (*crm.Sale, error) {
	was, err := db.SaleByNo(ctx, no)
	if err != nil {
		return nil, err
	}
	if err := db.swapSale(ctx, was, nil, tier, nil); err != nil {
		return nil, err
	}
	return was, db.journal(ctx, &crm.Write{Kind: crm.WriteDeleteSale, Staff: by, At: at, CustomerID: was.CustomerID, Sale: was})
}

// EditInteraction corrects the notes of a logged contact.
func (db *DB) EditInteraction(ctx context.Context, no crm.LogNo, notes string, by crm.StaffID, at time.Time) (*crm.Interaction, *crm.Interaction, error) {
	was, err := db.InteractionByNo(ctx, no)
	if err != nil {
		return nil, nil, err
	}
	now := *was
	now.Notes = notes
	if err := db.swapLog(ctx, was, &now); err != nil {
		return nil, nil, err
	}
	return was, &now, db.journal(ctx, &crm.Write{Kind: crm.WriteEditLog, Staff: by, At: at, CustomerID: was.CustomerID, Interaction: was})
}

// DeleteInteraction removes a logged contact.
func (db *DB) DeleteInteraction(ctx context.Context, no crm.LogNo, by crm.StaffID, at time.Time) (*crm.Interaction, error) {
	was, err := db.InteractionByNo(ctx, no)
	if err != nil {
		return nil, err
	}
	if err := db.swapLog(ctx, was, nil); err != nil {
		return nil, err
	}
	return was, db.journal(ctx, &crm.Write{Kind: crm.WriteDeleteLog, Staff: by, At: at, CustomerID: was.CustomerID, Interaction: was})
}
