package store_test

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/crmbot/crmbot/crm"
)

func TestPurchases(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	day := func(d int) time.Time { return time.Date(2026, 11, d, 10, 0, 0, 0, time.UTC) }
	siti := &crm.Customer{Name: "Siti Nurhaliza", Phones: []string{"+60123456789"}}
	tan := &crm.Customer{Name: "Tan Ah Kow", Phones: []string{"+60198765432"}}
	must(t, db.CreateCustomer(ctx, siti, false))
	must(t, db.CreateCustomer(ctx, tan, false))
	tier := func(crm.Stats) crm.Tier { return crm.TierLow }
	sale := func(c *crm.Customer, product string, at time.Time) {
		s := &crm.Sale{CustomerID: c.ID, At: at, Product: product, Quantity: 1, Amount: crm.Money{Minor: 100_00, Currency: "MYR"}, Payment: crm.PayCash}
		must(t, db.RecordSale(ctx, s, tier))
	}
	sale(siti, "solar panel", day(1))
	sale(siti, "Solar  Inverter", day(3))
	sale(tan, "pump", day(2))
	// As if recorded before the index: the documents and the marker are gone.
	if _, err := db.Database().Collection("keys").DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in",
		Value: bson.A{"buy:" + string(siti.ID), "buy:" + string(tan.ID), "buy:indexed"}}}}}); err != nil {
		t.Fatal(err)
	}
	sale(siti, "solar inverter", day(5)) // live, after the index: same product, later
	sale(siti, "solar panel", day(2))    // live: the panel again, after the first one

	tests := []struct {
		name string
		c    *crm.Customer
		want []crm.Purchase
	}{
		{"LatestFirstOnePerProduct", siti, []crm.Purchase{{Product: "solar inverter", At: day(5)}, {Product: "solar panel", At: day(2)}}},
		{"BuiltFromOldSales", tan, []crm.Purchase{{Product: "pump", At: day(2)}}},
		{"NeverBought", &crm.Customer{ID: "000000000000000000000000"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.Purchases(ctx, tt.c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("purchases %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i].Product != tt.want[i].Product || !got[i].At.Equal(tt.want[i].At) {
					t.Errorf("purchase %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}
