package store

import (
	"context"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/crmbot/crmbot/crm"
)

// The segment index keeps, for every customer, one short text row of the
// fields a segment filter reads (name, tier, city, source, creation, last
// contact, birth month-day), in rowBuckets documents of the keys collection:
//
//	seg:0 .. seg:255       {r: {<customer id>: "<row>"}}, bucket by a hash of the id
//	meta:segment-index-v1  present once every existing customer has its row
//
// A segment reads the 256 documents and checks each row with f.Match in Go.
// Why rows and not one key per tier and city (tier:low, city:<name>): a
// segment lists names, and a customer read by _id costs 0.3-0.85 ms, so any
// index that yields ids only answers "tier=low" (40,000 ids) in 12-34 s.
// Keys that carried names would still leave silent=60d (91,643 members out
// of 100,000, from lc:<day> keys without names) needing every name, and keep
// stale copies across keys (a customer in two tiers) that only a document
// read can settle. Measured on the embedded store, 2 vCPU, 100,000
// customers: reading all rows as maps of id to string takes 1.0 s (the same
// rows as nested documents: 4 s; 100,000 ids as arrays: 0.6-0.9 s without
// names); writing one row with $set costs 5 ms with 256 buckets (11 ms with
// 128, 75 ms with 64: the server rewrites the whole document), and needs no
// old value, so it is idempotent, unlike $pull, which removes only an
// identical element. One row per customer cannot contradict itself the way
// stale entries under two keys can; at worst a row lags its document after
// an interrupted write, until a write changes one of the row's fields again
// (or RebuildSegmentIndex). Two writes to one customer at once may also
// leave the row of the first.
const (
	keySegmentRows   = "seg:"
	keySegmentMarker = "meta:segment-index-v1"
	rowBuckets       = 256
	rowSep           = "\x1f" // ASCII unit separator, removed from the text it joins
)

type rowsDoc struct {
	R map[string]string `bson:"r"`
}

// rowBucket is the key of the document holding id's row.
func rowBucket(id string) string {
	h := fnv.New32a()
	h.Write([]byte(id))
	return keySegmentRows + strconv.Itoa(int(h.Sum32()%rowBuckets))
}

// segmentRow encodes the fields of c that SegmentFilter.Match reads. Times
// are Unix milliseconds in base 36, the precision the documents keep.
func segmentRow(c *crm.Customer) string {
	clean := func(s string) string { return strings.ReplaceAll(s, rowSep, " ") }
	ms := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return strconv.FormatInt(t.UnixMilli(), 36)
	}
	return strings.Join([]string{
		clean(c.Name), string(c.Stats.Tier), clean(c.City), clean(c.Source),
		ms(c.CreatedAt), ms(c.Stats.LastContactAt), c.Birthday.MonthDay(),
	}, rowSep)
}

// parseRow decodes a row into the customer fields Match reads; ok is false
// for a row this version cannot read.
func parseRow(id, row string) (c crm.Customer, ok bool) {
	f := strings.Split(row, rowSep)
	if len(f) != 7 {
		return c, false
	}
	at := func(s string) time.Time {
		if s == "" {
			return time.Time{}
		}
		n, err := strconv.ParseInt(s, 36, 64)
		if err != nil {
			ok = false
		}
		return time.UnixMilli(n).UTC()
	}
	ok = true
	c = crm.Customer{ID: crm.CustomerID(id), Name: f[0], City: f[2], Source: f[3], Birthday: crm.Date(f[6])}
	c.Stats.Tier = crm.Tier(f[1])
	c.CreatedAt = at(f[4])
	c.Stats.LastContactAt = at(f[5])
	return c, ok
}

// rerow writes c's segment row when it differs from old's (nil: none yet).
func (db *DB) rerow(ctx context.Context, old, c *crm.Customer) error {
	row := segmentRow(c)
	if old != nil && old.ID == c.ID && segmentRow(old) == row {
		return nil
	}
	_, err := db.keys.UpdateOne(ctx, bson.D{{Key: "_id", Value: rowBucket(string(c.ID))}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "r." + string(c.ID), Value: row}}}}, options.UpdateOne().SetUpsert(true))
	return translate("write segment row", err)
}

// unrow removes the segment row of a deleted customer.
func (db *DB) unrow(ctx context.Context, id crm.CustomerID) error {
	_, err := db.keys.UpdateOne(ctx, bson.D{{Key: "_id", Value: rowBucket(string(id))}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: "r." + string(id), Value: ""}}}})
	return translate("remove segment row", err)
}

// setRows writes many rows, one update per bucket; with keepExisting it
// leaves rows already present alone, since a live write made them newer.
func (db *DB) setRows(ctx context.Context, rows map[string]string, keepExisting bool) error {
	byBucket := map[string]bson.D{}
	for id, row := range rows {
		b := rowBucket(id)
		byBucket[b] = append(byBucket[b], bson.E{Key: "r." + id, Value: row})
	}
	for b, set := range byBucket {
		if keepExisting {
			have, err := db.readRowBucket(ctx, b)
			if err != nil {
				return err
			}
			kept := set[:0]
			for _, e := range set {
				if _, ok := have[e.Key[2:]]; !ok {
					kept = append(kept, e)
				}
			}
			if set = kept; len(set) == 0 {
				continue
			}
		}
		if _, err := db.keys.UpdateOne(ctx, bson.D{{Key: "_id", Value: b}}, bson.D{{Key: "$set", Value: set}},
			options.UpdateOne().SetUpsert(true)); err != nil {
			return translate("write segment rows", err)
		}
	}
	return nil
}

func (db *DB) readRowBucket(ctx context.Context, key string) (map[string]string, error) {
	var d rowsDoc
	err := db.keys.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&d)
	if err == mongo.ErrNoDocuments {
		return nil, nil
	}
	return d.R, translate("read segment rows", err)
}

// eachRow calls fn with every customer of the segment index, decoded.
// (Walking the buckets as raw BSON instead of maps measured no faster: the
// server's side dominates.)
func (db *DB) eachRow(ctx context.Context, fn func(*crm.Customer)) error {
	for b := range rowBuckets {
		rows, err := db.readRowBucket(ctx, keySegmentRows+strconv.Itoa(b))
		if err != nil {
			return err
		}
		for id, row := range rows {
			if c, ok := parseRow(id, row); ok {
				fn(&c)
			}
		}
	}
	return nil
}

// segmentIndexReady reports whether every customer has a segment row.
func (db *DB) segmentIndexReady(ctx context.Context) (bool, error) {
	ids, err := db.lookup(ctx, keySegmentMarker)
	return len(ids) > 0, err
}

// startSegmentIndex makes sure the segment index gets built: at once for a
// database without customers (live writes keep every row from then on),
// else in the background, while segments fall back to a scan.
func (db *DB) startSegmentIndex(ctx context.Context) error {
	if ready, err := db.segmentIndexReady(ctx); err != nil || ready {
		return err
	}
	n, err := db.customers.EstimatedDocumentCount(ctx)
	if err != nil {
		return translate("count customers", err)
	}
	if n == 0 {
		return db.addKeys(ctx, "done", []string{keySegmentMarker})
	}
	bg, stop := context.WithCancel(context.WithoutCancel(ctx))
	db.stopBackground = stop
	db.background.Add(1)
	go func() {
		defer db.background.Done()
		if _, err := db.IndexSegments(bg); err != nil && bg.Err() == nil {
			db.log.Error("segment index", "err", err)
		}
	}()
	return nil
}

// IndexSegments builds the segment index of customers written before it
// existed, once per database: one scan of the customers, then one write
// per bucket of the rows not already written by live writes, then the
// marker. It is idempotent, and an interrupted build starts again at the
// next start-up. It returns how many customers it read. Measured: see
// docs/analytics.md, "Segment speed".
func (db *DB) IndexSegments(ctx context.Context) (int, error) {
	if ready, err := db.segmentIndexReady(ctx); err != nil || ready {
		return 0, err
	}
	start := time.Now()
	firstMerge, err := db.counter(ctx, "merge")
	if err != nil {
		return 0, err
	}
	rows := map[string]string{}
	err = db.scanCustomers(ctx, bson.D{}, segmentFields, func(c *crm.Customer) {
		rows[string(c.ID)] = segmentRow(c)
		if len(rows)%20000 == 0 {
			db.log.Info("segment index: reading customers", "read", len(rows), "took", time.Since(start).Round(time.Millisecond))
		}
	})
	if err != nil {
		return 0, fmt.Errorf("index segments: %w", err)
	}
	db.log.Info("segment index: writing rows", "customers", len(rows), "took", time.Since(start).Round(time.Millisecond))
	if err := db.setRows(ctx, rows, true); err != nil {
		return 0, fmt.Errorf("index segments: %w", err)
	}
	// A merge during the scan may have deleted a customer the scan had read;
	// its row, written above, is taken off again.
	lastMerge, err := db.counter(ctx, "merge")
	if err != nil {
		return 0, err
	}
	for no := firstMerge + 1; no <= lastMerge; no++ {
		var m mergeDoc
		err := db.merges().FindOne(ctx, bson.D{{Key: "_id", Value: no}}).Decode(&m)
		if err == mongo.ErrNoDocuments {
			continue
		}
		if err != nil {
			return 0, translate("index segments: read merge", err)
		}
		if _, err := db.Customer(ctx, m.Gone); crm.ErrorCode(err) == crm.ENOTFOUND {
			if err := db.unrow(ctx, m.Gone); err != nil {
				return 0, err
			}
		}
	}
	if err := db.addKeys(ctx, "done", []string{keySegmentMarker}); err != nil {
		return 0, err
	}
	db.log.Info("segment index: built", "customers", len(rows), "took", time.Since(start).Round(time.Millisecond))
	return len(rows), nil
}

// RebuildSegmentIndex drops the segment index and builds it again from the
// customers: a repair after rows went stale, and the way tests and
// benchmarks compare or time the build. Segments are answered by a scan
// meanwhile.
func (db *DB) RebuildSegmentIndex(ctx context.Context) (int, error) {
	if _, err := db.keys.DeleteOne(ctx, bson.D{{Key: "_id", Value: keySegmentMarker}}); err != nil {
		return 0, translate("drop segment index marker", err)
	}
	for b := range rowBuckets {
		if _, err := db.keys.DeleteOne(ctx, bson.D{{Key: "_id", Value: keySegmentRows + strconv.Itoa(b)}}); err != nil {
			return 0, translate("drop segment rows", err)
		}
	}
	return db.IndexSegments(ctx)
}

// counter reads a counter of db.next without moving it; 0 when unused.
func (db *DB) counter(ctx context.Context, name string) (int64, error) {
	var d struct {
		N int64 `bson:"n"`
	}
	err := db.counters.FindOne(ctx, bson.D{{Key: "_id", Value: name}}).Decode(&d)
	if err == mongo.ErrNoDocuments {
		return 0, nil
	}
	return d.N, translate("read counter "+name, err)
}
