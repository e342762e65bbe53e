package store_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/crmbot/crmbot/crm"
)

// TestCampaignResponses: responses are read through the cs:/ci: keys; the
// ones recorded before the keys existed are listed by a one-time build.
func TestCampaignResponses(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	c := &crm.Customer{Name: "Siti Nurhaliza", Phones: []string{"+60123456789"}}
	must(t, db.CreateCustomer(ctx, c, false))
	tier := func(crm.Stats) crm.Tier { return crm.TierLow }
	sale := func(campaign string) *crm.Sale {
		s := &crm.Sale{CustomerID: c.ID, At: at, Product: "pump", Quantity: 1, Amount: crm.Money{Minor: 100_00, Currency: "MYR"}, Payment: crm.PayCash, Campaign: campaign}
		must(t, db.RecordSale(ctx, s, tier))
		return s
	}
	old := sale("raya-2026")
	sale("cny-2027")
	sale("")
	// As if recorded before the index: its keys and the marker are gone.
	if _, err := db.Database().Collection("keys").DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: bson.A{"cs:raya-2026", "cs:cny-2027", "cr:indexed"}}}}}); err != nil {
		t.Fatal(err)
	}
	log := &crm.Interaction{CustomerID: c.ID, Kind: crm.KindCall, At: at, Notes: "promo call", Campaign: "raya-2026"}
	must(t, db.LogInteraction(ctx, log))
	late := sale("raya-2026")
	// An id listed by a process that stopped before its insert.
	if _, err := db.Database().Collection("keys").UpdateOne(ctx, bson.D{{Key: "_id", Value: "cs:raya-2026"}},
		bson.D{{Key: "$addToSet", Value: bson.D{{Key: "ids", Value: "never-inserted"}}}}); err != nil {
		t.Fatal(err)
	}

	sales, logs, err := db.CampaignResponses(ctx, "raya-2026")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range sales {
		ids = append(ids, s.ID)
	}
	slices.Sort(ids)
	want := []string{old.ID, late.ID}
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Errorf("campaign sales %v, want %v (the one recorded before the index and the live one)", ids, want)
	}
	if len(logs) != 1 || logs[0].ID != log.ID || logs[0].Notes != "promo call" {
		t.Errorf("campaign contacts %+v, want the promo call", logs)
	}
	if sales, _, err := db.CampaignResponses(ctx, "cny-2027"); err != nil || len(sales) != 1 {
		t.Errorf("cny-2027: %d sales, %v; want 1", len(sales), err)
	}
	if sales, logs, err := db.CampaignResponses(ctx, "nosuch"); err != nil || len(sales)+len(logs) != 0 {
		t.Errorf("an unknown campaign: %d sales, %d contacts, %v", len(sales), len(logs), err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// BenchmarkCampaignResponses: a campaign report's reads over a sales history
// written straight in (CRMBOT_BENCH_SALES, 20,000 by default), 1% of it
// tagged. The first call builds the index with the one scan every call made
// before; the benchmark then times calls through the keys.
//
//	CRMBOT_BENCH_SALES=100000 go test ./store -run XXX -bench CampaignResponses -benchtime 20x
func BenchmarkCampaignResponses(b *testing.B) {
	n := 20_000
	if s := os.Getenv("CRMBOT_BENCH_SALES"); s != "" {
		fmt.Sscan(s, &n)
	}
	db := MustOpenDB(b)
	ctx := context.Background()
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	batch := make([]any, 0, 1000)
	for i := range n {
		campaign := ""
		if i%100 == 0 {
			campaign = "raya-2026"
		}
		batch = append(batch, bson.D{{Key: "_id", Value: fmt.Sprintf("s%07d", i)}, {Key: "customerid", Value: fmt.Sprintf("c%06d", i%5000)},
			{Key: "at", Value: at}, {Key: "product", Value: "pump"}, {Key: "quantity", Value: 1},
			{Key: "amount", Value: bson.D{{Key: "minor", Value: 100_00}, {Key: "currency", Value: "MYR"}}}, {Key: "campaign", Value: campaign}})
		if len(batch) == cap(batch) || i == n-1 {
			if _, err := db.Database().Collection("sales").InsertMany(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	start := time.Now()
	sales, _, err := db.CampaignResponses(ctx, "raya-2026")
	if err != nil || len(sales) != (n+99)/100 {
		b.Fatalf("%d campaign sales, %v; want %d", len(sales), err, (n+99)/100)
	}
	b.Logf("%d sales: the first call, which builds the index with one scan, took %s", n, time.Since(start).Round(time.Millisecond))
	for b.Loop() {
		if _, _, err := db.CampaignResponses(ctx, "raya-2026"); err != nil {
			b.Fatal(err)
		}
	}
}
