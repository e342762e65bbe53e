package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/store"
)

// TestCheck damages the indexes as crashes and old bugs did, and checks
// that Check finds each damage in a line, repairs it, and then finds none.
func TestCheck(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	siti := mustCreate(t, db, crm.Customer{Name: "Siti Nurhaliza", Phones: []string{"+60123456789"}, Emails: []string{"siti@nur.my"}})
	tan := mustCreate(t, db, crm.Customer{Name: "Tan Ah Kow", Phones: []string{"+60198765432"}})
	c := &crm.Complaint{CustomerID: tan.ID, Kind: crm.ComplaintKindComplaint, Text: "pump leaks", OpenedAt: time.Now()}
	must(t, db.FileComplaint(ctx, c))

	keys, complaints := db.Database().Collection("keys"), db.Database().Collection("complaints")
	// Siti lost her phone key (a crash between the insert and the keys).
	_, err := keys.UpdateOne(ctx, bson.D{{Key: "_id", Value: "p:+60123456789"}}, bson.D{{Key: "$pull", Value: bson.D{{Key: "ids", Value: string(siti.ID)}}}})
	must(t, err)
	// A word key lists a customer who is gone.
	_, err = keys.UpdateOne(ctx, bson.D{{Key: "_id", Value: "w:siti"}}, bson.D{{Key: "$push", Value: bson.D{{Key: "ids", Value: "000000000000000000000000"}}}})
	must(t, err)
	// Tan's complaint was resolved while its $pull did nothing (the old bug).
	_, err = complaints.UpdateOne(ctx, bson.D{{Key: "_id", Value: int64(c.No)}}, bson.D{{Key: "$set", Value: bson.D{{Key: "resolvedat", Value: time.Now()}}}})
	must(t, err)

	run := func(repair bool) []store.Finding {
		var fs []store.Finding
		n, err := db.Check(ctx, repair, func(f store.Finding) { fs = append(fs, f) })
		if err != nil || n != len(fs) {
			t.Fatalf("Check = %d, %v with %d findings", n, err, len(fs))
		}
		return fs
	}
	fs := run(false)
	var lines []string
	for _, f := range fs {
		lines = append(lines, f.What)
		if strings.Contains(f.What, "+60") || strings.Contains(f.What, "Siti") {
			t.Errorf("a finding shows customer data: %s", f.What)
		}
	}
	got := strings.Join(lines, "\n")
	for _, want := range []string{"customer " + string(siti.ID) + " is missing from 1 lookup keys (p)",
		"customer " + string(tan.ID) + " shows 1 resolved or missing complaints as open",
		"lookup key of kind w lists customer 000000000000000000000000, who is gone"} {
		if !strings.Contains(got, want) {
			t.Errorf("findings lack %q:\n%s", want, got)
		}
	}
	if len(fs) != 3 {
		t.Errorf("%d findings, want 3:\n%s", len(fs), got)
	}
	for _, f := range run(true) {
		if !f.Repaired {
			t.Errorf("not repaired: %s", f.What)
		}
	}
	if again := run(false); len(again) != 0 {
		t.Errorf("after repair: %v", again)
	}
	if cs, _ := db.CustomersByPhone(ctx, "+60123456789"); len(cs) != 1 {
		t.Errorf("Siti by phone after repair: %d", len(cs))
	}
	if got, _ := db.Customer(ctx, tan.ID); len(got.Open) != 0 || got.Stats.OpenComplaints != 0 {
		t.Errorf("Tan after repair: open %v, count %d", got.Open, got.Stats.OpenComplaints)
	}
}

// BenchmarkCheck is one check of a clean store of CRMBOT_BENCH_CUSTOMERS
// customers (default 10,000):
//
//	CRMBOT_BENCH_CUSTOMERS=100000 go test ./store -run XXX -bench Check -benchtime 1x
func BenchmarkCheck(b *testing.B) {
	n := benchSize("CRMBOT_BENCH_CUSTOMERS", 10000)
	db := MustOpenDB(b)
	seedCustomers(b, db, n)
	for b.Loop() {
		found, err := db.Check(context.Background(), false, func(store.Finding) {})
		if err != nil || found != 0 {
			b.Fatalf("Check = %d, %v", found, err)
		}
	}
}
