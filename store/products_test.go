package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/store"
)

func mustFile(tb testing.TB, db *store.DB, c crm.Complaint) crm.ComplaintNo {
	tb.Helper()
	if err := db.FileComplaint(context.Background(), &c); err != nil {
		tb.Fatalf("file complaint: %v", err)
	}
	return c.No
}

func TestProductIndex(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	cust := mustCreate(t, db, crm.Customer{Name: "Siti", Phones: []string{"+60123456789"}})
	day1 := time.Date(2026, 11, 20, 23, 30, 0, 0, time.UTC)
	day2 := day1.Add(2 * time.Hour) // the next UTC day
	file := func(kind crm.ComplaintKind, product string, at time.Time) crm.ComplaintNo {
		return mustFile(t, db, crm.Complaint{CustomerID: cust.ID, Kind: kind, Product: product, Text: "broken", OpenedAt: at})
	}
	a := file(crm.ComplaintKindComplaint, "Solar Panel", day1)
	b := file(crm.ComplaintKindReturn, "solar  panel", day2)
	s := file(crm.ComplaintKindSupport, "Inverter", day2)
	file(crm.ComplaintKindComplaint, "", day2) // no product: not indexed

	t.Run("ByDay", func(t *testing.T) {
		got, err := db.ProductComplaints(ctx, day1, day2)
		if err != nil {
			t.Fatal(err)
		}
		var nos []crm.ComplaintNo
		for _, p := range got {
			nos = append(nos, p.No)
		}
		if !slices.Equal(nos, []crm.ComplaintNo{a, b, s}) {
			t.Fatalf("numbers %v, want %v oldest first", nos, []crm.ComplaintNo{a, b, s})
		}
		if got[1].Kind != crm.ComplaintKindReturn || got[1].Product != "solar  panel" || got[1].Resolved {
			t.Errorf("entry %+v", got[1])
		}
		only2, err := db.ProductComplaints(ctx, day2, day2)
		if err != nil || len(only2) != 2 {
			t.Errorf("second day alone: %d entries, %v; want 2", len(only2), err)
		}
	})
	t.Run("ResolutionMarked", func(t *testing.T) {
		if _, err := db.ResolveComplaint(ctx, b, "s1", day2.Add(time.Hour), crm.ResolutionRefund, "refunded", nil); err != nil {
			t.Fatal(err)
		}
		got, err := db.ProductComplaints(ctx, day2, day2)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range got {
			if p.Resolved != (p.No == b) {
				t.Errorf("complaint %d resolved = %v", p.No, p.Resolved)
			}
		}
	})
	t.Run("CheckListHoldsComplaintsAndReturns", func(t *testing.T) {
		got, err := db.ProductComplaintsToCheck(ctx)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		if !slices.Equal(got, []crm.ComplaintNo{a, b}) {
			t.Fatalf("to check %v, want %v (no support call, no product-less complaint)", got, []crm.ComplaintNo{a, b})
		}
		c := file(crm.ComplaintKindComplaint, "solar panel", day2) // filed while the check runs
		if err := db.ProductComplaintsChecked(ctx, got); err != nil {
			t.Fatal(err)
		}
		left, err := db.ProductComplaintsToCheck(ctx)
		if err != nil || !slices.Equal(left, []crm.ComplaintNo{c}) {
			t.Fatalf("left %v, %v; want [%d]", left, err, c)
		}
	})
	t.Run("Alerts", func(t *testing.T) {
		for range 2 {
			if err := db.RecordProductAlert(ctx, "solar panel", "2026-11-21"); err != nil {
				t.Fatal(err)
			}
		}
		got, err := db.ProductAlerts(ctx, "solar panel")
		if err != nil || !slices.Equal(got, []string{"2026-11-21"}) {
			t.Fatalf("alerts %v, %v", got, err)
		}
		none, err := db.ProductAlerts(ctx, "inverter")
		if err != nil || len(none) != 0 {
			t.Fatalf("alerts of another product %v, %v", none, err)
		}
	})
}

func TestIndexProductComplaintsOnce(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	at := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	// Complaints as an older crmbot stored them: no index entries.
	coll := db.Database().Collection("complaints")
	for i, p := range []string{"pump", "Pump", ""} {
		doc := bson.D{{Key: "_id", Value: int64(i + 1)}, {Key: "kind", Value: "complaint"}, {Key: "product", Value: p},
			{Key: "openedat", Value: at}, {Key: "resolution", Value: ""}}
		if _, err := coll.InsertOne(ctx, doc); err != nil {
			t.Fatal(err)
		}
	}
	n, err := db.IndexProductComplaints(ctx)
	if err != nil || n != 2 {
		t.Fatalf("indexed %d, %v; want 2", n, err)
	}
	got, err := db.ProductComplaints(ctx, at, at)
	if err != nil || len(got) != 2 {
		t.Fatalf("%d entries, %v; want 2", len(got), err)
	}
	if again, err := db.IndexProductComplaints(ctx); err != nil || again != 0 {
		t.Fatalf("second run indexed %d, %v; want 0", again, err)
	}
	if check, _ := db.ProductComplaintsToCheck(ctx); len(check) != 0 {
		t.Errorf("history listed for the alert: %v", check)
	}
}
