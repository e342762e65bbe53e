package store

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/crmbot/crmbot/crm"
)

// Databases written before find knew phone suffixes, e-mail domains,
// Simplified Han and merged names lack those keys; this one-time backfill
// adds them, behind two documents of the keys collection:
//
//	meta:find-keys-v2       present once every customer has them
//	meta:find-keys-v2-done  {ids: [<last customer id of the last chunk written>]}
//
// Customers are read in the store's natural order (insertion order, which
// the embedded server's table scan and MongoDB both keep for documents
// that are only updated) and their keys written in chunks, each as one bulk
// insert. After each chunk its last customer's id is recorded, so an
// interrupted backfill resumes after it; if that customer is gone (merged
// away meanwhile) the scan starts over, which is safe: every write is an
// $addToSet. Live writes key every customer they touch from the start, so
// find only misses the new key kinds of untouched older customers until
// the backfill ends.
const (
	keyFindMarker   = "meta:find-keys-v2"
	keyFindProgress = "meta:find-keys-v2-done"
	findChunk       = 5000
)

// findFields are the customer fields the find keys come from.
var findFields = bson.D{{Key: "name", Value: 1}, {Key: "company", Value: 1}, {Key: "phones", Value: 1},
	{Key: "emails", Value: 1}, {Key: "mergednames", Value: 1}}

// backfilledKeys are the customer keys of c that an older crmbot did not
// write: phone suffixes, e-mail domains, and the words in Han script of a
// name or company with Traditional characters (then keyed as typed, now in
// Simplified; Simplified ones are keyed already).
func backfilledKeys(c *crm.Customer) []string {
	traditional := false
	for _, r := range c.Name + c.Company {
		if unicode.Is(unicode.Han, r) && simplified(r) != string(r) {
			traditional = true
			break
		}
	}
	var out []string
	for _, k := range customerKeys(c) {
		if strings.HasPrefix(k, keyPhoneSuffix) || strings.HasPrefix(k, keyEmailDomain) ||
			traditional && strings.HasPrefix(k, keyWord) && isHan(k[len(keyWord):]) {
			out = append(out, k)
		}
	}
	return out
}

func (db *DB) findKeysReady(ctx context.Context) (bool, error) {
	ids, err := db.lookup(ctx, keyFindMarker)
	return len(ids) > 0, err
}

// startFindKeys makes sure the find keys get backfilled: at once for a
// database without customers, else in the background. It chains its stop
// to any other background build's.
func (db *DB) startFindKeys(ctx context.Context) error {
	if ready, err := db.findKeysReady(ctx); err != nil || ready {
		return err
	}
	n, err := db.customers.EstimatedDocumentCount(ctx)
	if err != nil {
		return translate("count customers", err)
	}
	if n == 0 {
		return db.addKeys(ctx, "done", []string{keyFindMarker})
	}
	bg, stop := context.WithCancel(context.WithoutCancel(ctx))
	if prev := db.stopBackground; prev != nil {
		db.stopBackground = func() { stop(); prev() }
	} else {
		db.stopBackground = stop
	}
	db.background.Add(1)
	go func() {
		defer db.background.Done()
		if _, err := db.BackfillFindKeys(bg); err != nil && bg.Err() == nil {
			db.log.Error("find keys", "err", err)
		}
	}()
	return nil
}

// BackfillFindKeys writes the find keys of customers stored before they
// existed, and the names of customers merged away then, once per database;
// it resumes where an interrupted run stopped. It returns how many
// customers it keyed.
func (db *DB) BackfillFindKeys(ctx context.Context) (int, error) {
	if ready, err := db.findKeysReady(ctx); err != nil || ready {
		return 0, err
	}
	start := time.Now()
	if err := db.backfillMergedNames(ctx); err != nil {
		return 0, fmt.Errorf("backfill find keys: %w", err)
	}
	after, err := db.lookup(ctx, keyFindProgress)
	if err != nil {
		return 0, err
	}
	resume := ""
	if len(after) > 0 && db.customerExists(ctx, after[0]) {
		resume = after[0]
	}
	n, resumed, err := db.keyChunks(ctx, resume, start)
	if err == nil && resume != "" && !resumed { // the scan never met the recorded customer
		n, _, err = db.keyChunks(ctx, "", start)
	}
	if err != nil {
		return n, fmt.Errorf("backfill find keys: %w", err)
	}
	if err := db.addKeys(ctx, "done", []string{keyFindMarker}); err != nil {
		return n, err
	}
	db.log.Info("find keys: backfilled", "customers", n, "took", time.Since(start).Round(time.Millisecond))
	return n, nil
}

// keyChunks scans the customers after the one with id resume (all
// when ""), writing their keys in chunks; resumed reports whether it met
// that customer.
func (db *DB) keyChunks(ctx context.Context, resume string, start time.Time) (n int, resumed bool, err error) {
	cur, err := db.customers.Find(ctx, bson.D{}, options.Find().SetBatchSize(1000).SetProjection(findFields))
	if err != nil {
		return 0, false, translate("scan customers", err)
	}
	defer cur.Close(ctx)
	keys := map[string][]string{}
	var order []string
	inChunk, last := 0, ""
	flush := func() error {
		if inChunk == 0 {
			return nil
		}
		if err := db.writeKeyLists(ctx, order, keys, "$addToSet"); err != nil {
			return err
		}
		if _, err := db.keys.UpdateOne(ctx, bson.D{{Key: "_id", Value: keyFindProgress}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "ids", Value: []string{last}}}}}, options.UpdateOne().SetUpsert(true)); err != nil {
			return translate("record progress", err)
		}
		db.log.Info("find keys: backfilling", "customers", n, "took", time.Since(start).Round(time.Millisecond))
		clear(keys)
		order, inChunk = order[:0], 0
		return nil
	}
	skipping := resume != ""
	for cur.Next(ctx) {
		var d customerDoc
		if err := cur.Decode(&d); err != nil {
			return n, resumed, translate("read customer", err)
		}
		if skipping {
			if d.ID == resume {
				skipping, resumed = false, true
			}
			continue
		}
		d.Customer.ID = crm.CustomerID(d.ID)
		for _, k := range backfilledKeys(&d.Customer) {
			if _, ok := keys[k]; !ok {
				order = append(order, k)
			}
			keys[k] = append(keys[k], d.ID)
		}
		last = d.ID
		n++
		if inChunk++; inChunk == findChunk {
			if err := flush(); err != nil {
				return n, resumed, err
			}
		}
	}
	if err := cur.Err(); err != nil {
		return n, resumed, translate("scan customers", err)
	}
	return n, resumed, flush()
}

func (db *DB) customerExists(ctx context.Context, id string) bool {
	_, err := db.Customer(ctx, crm.CustomerID(id))
	return err == nil
}

// backfillMergedNames gives each customer that others were merged into
// before merged names were kept those names, following merges of merges:
// when A took B and X later took A, X is found by B's name too.
func (db *DB) backfillMergedNames(ctx context.Context) error {
	cur, err := db.merges().Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return translate("read merges", err)
	}
	var merges []mergeDoc
	if err := cur.All(ctx, &merges); err != nil {
		return translate("read merges", err)
	}
	names := map[crm.CustomerID][]string{}
	for _, m := range merges {
		if !m.Done || !m.UndoneAt.IsZero() {
			continue
		}
		names[m.Keep] = union(names[m.Keep], append([]string{m.Removed.Name}, names[m.Gone]...))
		delete(names, m.Gone)
	}
	for id, ns := range names {
		c, err := db.Customer(ctx, id)
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			continue
		}
		if err != nil {
			return err
		}
		old := *c
		c.MergedNames = union(c.MergedNames, ns)
		if len(c.MergedNames) == len(old.MergedNames) {
			continue
		}
		if _, err := db.customers.UpdateOne(ctx, bson.D{{Key: "_id", Value: string(id)}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "mergednames", Value: c.MergedNames}}}}); err != nil {
			return translate("write merged names", err)
		}
		if err := db.moveKeys(ctx, string(id), customerKeys(&old), customerKeys(c)); err != nil {
			return err
		}
		if err := db.addVocabulary(ctx, nameWords(c)); err != nil {
			return err
		}
	}
	return nil
}
