package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/crmbot/crmbot/crm"
)

// BenchmarkProductComplaints reads the per-day product index behind
// `report products` over 30 and 90 days with 20 filings a day, measures
// the alert check of a scheduler tick with nothing filed, and what naming
// a product adds to filing a complaint.
func BenchmarkProductComplaints(b *testing.B) {
	ctx := context.Background()
	db := MustOpenDB(b)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	file := func(cust crm.CustomerID, product string, at time.Time) {
		c := crm.Complaint{CustomerID: cust, Kind: crm.ComplaintKindComplaint, Product: product, Text: "broken", OpenedAt: at}
		if err := db.FileComplaint(ctx, &c); err != nil {
			b.Fatal(err)
		}
	}
	for d := range 90 {
		// A customer a day, and the check list emptied as a tick would.
		cust := mustCreate(b, db, crm.Customer{Name: fmt.Sprintf("Customer %d", d)})
		for i := range 20 {
			file(cust.ID, fmt.Sprintf("product %d", i%7), now.AddDate(0, 0, -d).Add(-time.Duration(i)*time.Minute))
		}
		nos, err := db.ProductComplaintsToCheck(ctx)
		if err == nil {
			err = db.ProductComplaintsChecked(ctx, nos)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	for _, days := range []int{30, 90} {
		b.Run(fmt.Sprintf("Report%dDays", days), func(b *testing.B) {
			for b.Loop() {
				got, err := db.ProductComplaints(ctx, now.AddDate(0, 0, -days), now)
				if err != nil || len(got) < 20*days {
					b.Fatalf("%d entries, %v", len(got), err)
				}
			}
		})
	}
	b.Run("IdleCheck", func(b *testing.B) {
		for b.Loop() {
			if nos, err := db.ProductComplaintsToCheck(ctx); err != nil || len(nos) != 0 {
				b.Fatalf("%v, %v", nos, err)
			}
		}
	})
	for _, product := range []string{"", "solar panel"} {
		b.Run(fmt.Sprintf("File/product=%q", product), func(b *testing.B) {
			n := 0
			var cust crm.CustomerID
			for b.Loop() {
				if n%20 == 0 { // customers with few open complaints, as in life
					b.StopTimer()
					cust = mustCreate(b, db, crm.Customer{Name: fmt.Sprintf("Filer %s %d", product, n)}).ID
					nos, _ := db.ProductComplaintsToCheck(ctx)
					if err := db.ProductComplaintsChecked(ctx, nos); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
				// 20 filings a day, on days of their own.
				file(cust, product, now.AddDate(0, 0, 100+n/20))
				n++
			}
		})
	}
}
