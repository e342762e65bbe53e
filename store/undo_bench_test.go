package store_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/crmbot/crmbot/crm"
)

// BenchmarkUndoSale records a sale and undoes it on a database holding
// 50,000 other sales (CRMBOT_BENCH_SALES). "Listed" is the normal path:
// the customer's sales are read through their csales: list by _id.
// "Rebuild" drops the list first, the one-off cost for a customer whose
// sales predate the lists (a query by customerid: a scan on the embedded store).
func BenchmarkUndoSale(b *testing.B) {
	ctx := context.Background()
	n := 50_000
	if s := os.Getenv("CRMBOT_BENCH_SALES"); s != "" {
		fmt.Sscan(s, &n)
	}
	db := MustOpenDB(b)
	filler := make([]any, 0, 1000)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		filler = append(filler, bson.D{{Key: "_id", Value: fmt.Sprintf("f%07d", i)}, {Key: "customerid", Value: fmt.Sprintf("other%d", i%5000)},
			{Key: "at", Value: at}, {Key: "amount", Value: bson.D{{Key: "minor", Value: 100}, {Key: "currency", Value: "MYR"}}}})
		if len(filler) == cap(filler) || i == n-1 {
			if _, err := db.Database().Collection("sales").InsertMany(ctx, filler); err != nil {
				b.Fatal(err)
			}
			filler = filler[:0]
		}
	}
	c := mustCreate(b, db, crm.Customer{Name: "Siti Nurhaliza"})
	for i := range 5 {
		if err := db.RecordSale(ctx, sale(c, undoNow.Add(-time.Duration(i+1)*time.Hour), int64(i+1)*100_00, crm.PayCash, ""), tierAt); err != nil {
			b.Fatal(err)
		}
	}
	for _, rebuild := range []bool{false, true} {
		name := "Listed"
		if rebuild {
			name = "Rebuild"
		}
		b.Run(name, func(b *testing.B) {
			var undo time.Duration
			for b.Loop() {
				if err := db.RecordSale(ctx, sale(c, undoNow, 900_00, crm.PayCash, ""), tierAt); err != nil {
					b.Fatal(err)
				}
				if rebuild {
					if _, err := db.Database().Collection("keys").DeleteOne(ctx, bson.D{{Key: "_id", Value: "csales:" + string(c.ID)}}); err != nil {
						b.Fatal(err)
					}
				}
				start := time.Now()
				if _, err := db.Undo(ctx, "s1", undoNow.Add(-time.Hour), undoNow, tierAt); err != nil {
					b.Fatal(err)
				}
				undo += time.Since(start)
			}
			b.ReportMetric(float64(undo.Microseconds())/1000/float64(b.N), "ms/undo")
		})
	}
}
