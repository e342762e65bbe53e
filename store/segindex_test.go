package store_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/store"
)

var allTiers = []crm.Tier{crm.TierNone, crm.TierOneOff, crm.TierRepeat, crm.TierHigh, crm.TierMiddle, crm.TierLow, crm.TierLost}

// truth evaluates f by reading every customer document whole.
func truth(t *testing.T, db *store.DB, f crm.SegmentFilter) []string {
	t.Helper()
	ctx := context.Background()
	cur, err := db.Database().Collection("customers").Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var docs []struct {
		ID           string `bson:"_id"`
		crm.Customer `bson:",inline"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range docs {
		if f.Match(&d.Customer) {
			out = append(out, d.ID)
		}
	}
	slices.Sort(out)
	return out
}

func memberIDs(t *testing.T, db *store.DB, f crm.SegmentFilter) []string {
	t.Helper()
	ms, err := db.SegmentMembers(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, m := range ms {
		out = append(out, string(m.ID))
	}
	slices.Sort(out)
	return out
}

// checkSegments compares every tier, city and silence segment with the
// documents, and fails naming the step.
func checkSegments(t *testing.T, db *store.DB, now time.Time, step string) {
	t.Helper()
	var fs []crm.SegmentFilter
	for _, tier := range allTiers {
		fs = append(fs, crm.SegmentFilter{Tier: tier})
	}
	for _, city := range []string{"Kuala Lumpur", "penang", "Johor Bahru", "Genting"} {
		fs = append(fs, crm.SegmentFilter{City: city}, crm.SegmentFilter{City: city, Tier: crm.TierHigh})
	}
	for _, days := range []int{1, 30, 60, 90} {
		fs = append(fs, crm.SegmentFilter{SilentSince: now.AddDate(0, 0, -days)})
	}
	for _, f := range fs {
		want := truth(t, db, f)
		if got := memberIDs(t, db, f); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("after %s, %+v: got %v, want %v", step, f, got, want)
		}
	}
}

func has(ids []string, id crm.CustomerID) bool { return slices.Contains(ids, string(id)) }

// TestSegmentIndexFollowsWrites walks one database through every write that
// moves a customer between tier, city or silence segments.
func TestSegmentIndexFollowsWrites(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	now := time.Now()
	old := now.AddDate(0, 0, -100)
	a := mustCreate(t, db, crm.Customer{Name: "Aminah", City: "Kuala Lumpur", CreatedAt: old})
	b := mustCreate(t, db, crm.Customer{Name: "Bakar", City: " kuala  LUMPUR "})
	c := mustCreate(t, db, crm.Customer{Name: "Chong", City: "Penang", CreatedAt: old})
	d := mustCreate(t, db, crm.Customer{Name: "Devi"})
	checkSegments(t, db, now, "add")
	if kl := memberIDs(t, db, crm.SegmentFilter{City: "kuala lumpur"}); !has(kl, a.ID) || !has(kl, b.ID) || len(kl) != 2 {
		t.Fatalf("city=kuala lumpur after add: %v", kl)
	}

	imported := []*crm.Customer{
		{Name: "Ean", City: "Johor Bahru", CreatedAt: old},
		{Name: "Farid", City: "Johor Bahru", Stats: crm.Stats{Tier: crm.TierLow}},
	}
	if err := db.ImportCustomers(ctx, imported); err != nil {
		t.Fatal(err)
	}
	checkSegments(t, db, now, "import")
	if low := memberIDs(t, db, crm.SegmentFilter{Tier: crm.TierLow}); !has(low, imported[1].ID) {
		t.Fatalf("tier=low after import: %v", low)
	}

	penang := "Penang"
	if _, err := db.UpdateCustomer(ctx, a.ID, crm.CustomerUpdate{City: &penang}); err != nil {
		t.Fatal(err)
	}
	checkSegments(t, db, now, "edit city")
	if kl := memberIDs(t, db, crm.SegmentFilter{City: "Kuala Lumpur"}); has(kl, a.ID) {
		t.Fatalf("moved customer still in Kuala Lumpur: %v", kl)
	}

	sale := func(id crm.CustomerID, tier crm.Tier) {
		t.Helper()
		s := &crm.Sale{CustomerID: id, At: now, Product: "solar panel", Quantity: 1, Amount: crm.Money{Minor: 500_00, Currency: "MYR"}, Payment: crm.PayCash}
		if err := db.RecordSale(ctx, s, func(crm.Stats) crm.Tier { return tier }); err != nil {
			t.Fatal(err)
		}
	}
	sale(c.ID, crm.TierOneOff)
	sale(c.ID, crm.TierHigh)
	sale(a.ID, crm.TierRepeat)
	checkSegments(t, db, now, "sale")
	if hi := memberIDs(t, db, crm.SegmentFilter{Tier: crm.TierHigh, City: "penang"}); !slices.Equal(hi, []string{string(c.ID)}) {
		t.Fatalf("tier=high city=penang after sales: %v", hi)
	}

	if err := db.SetTier(ctx, d.ID, crm.TierMiddle); err != nil {
		t.Fatal(err)
	}
	if err := db.SetTier(ctx, c.ID, crm.TierMiddle); err != nil {
		t.Fatal(err)
	}
	checkSegments(t, db, now, "tier recompute")

	if _, err := db.UpdateCustomer(ctx, b.ID, crm.CustomerUpdate{Lost: &crm.Lost{At: now, Reason: "price"}}); err != nil {
		t.Fatal(err)
	}
	checkSegments(t, db, now, "lost")

	if err := db.LogInteraction(ctx, &crm.Interaction{CustomerID: c.ID, Kind: crm.KindCall, At: now.AddDate(0, 0, -45)}); err != nil {
		t.Fatal(err)
	}
	checkSegments(t, db, now, "contact")

	tier := func(crm.Stats) crm.Tier { return crm.TierRepeat }
	m, _, err := db.MergeCustomers(ctx, c.ID, imported[0].ID, "", now, tier)
	if err != nil {
		t.Fatal(err)
	}
	checkSegments(t, db, now, "merge")
	if jb := memberIDs(t, db, crm.SegmentFilter{City: "Johor Bahru"}); has(jb, imported[0].ID) {
		t.Fatalf("merged-away customer still listed: %v", jb)
	}
	if _, err := db.UndoMerge(ctx, m.No, now, tier); err != nil {
		t.Fatal(err)
	}
	checkSegments(t, db, now, "undo merge")
	if jb := memberIDs(t, db, crm.SegmentFilter{City: "Johor Bahru"}); !has(jb, imported[0].ID) {
		t.Fatalf("restored customer not listed: %v", jb)
	}
}

// TestSegmentSilent checks silent=Nd on crafted contact histories: the
// latest contact decides, a back-dated log does not, and a customer never
// contacted counts from creation.
func TestSegmentSilent(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	now := time.Now().UTC()
	ago := func(days int) time.Time { return now.AddDate(0, 0, -days) }
	histories := []struct {
		name     string
		created  int
		contacts []int // days ago, in the order logged
	}{
		{"Never Old", 100, nil},
		{"Never New", 10, nil},
		{"Recent", 100, []int{10}},
		{"Twice Old", 100, []int{70, 61}},
		{"Old Then Recent", 100, []int{70, 5}},
		{"Backdated", 100, []int{5, 90}},
		{"Same Day Twice", 100, []int{65, 65}},
	}
	ids := map[string]crm.CustomerID{}
	for _, h := range histories {
		c := mustCreate(t, db, crm.Customer{Name: h.name, CreatedAt: ago(h.created)})
		ids[h.name] = c.ID
		for _, d := range h.contacts {
			if err := db.LogInteraction(ctx, &crm.Interaction{CustomerID: c.ID, Kind: crm.KindCall, At: ago(d)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		name string
		days int
		want []string
	}{
		{"1d", 1, []string{"Backdated", "Never New", "Never Old", "Old Then Recent", "Recent", "Same Day Twice", "Twice Old"}},
		{"7d", 7, []string{"Never New", "Never Old", "Recent", "Same Day Twice", "Twice Old"}},
		{"30d", 30, []string{"Never Old", "Same Day Twice", "Twice Old"}},
		{"60d", 60, []string{"Never Old", "Same Day Twice", "Twice Old"}},
		{"62d", 62, []string{"Never Old", "Same Day Twice"}},
		{"90d", 90, []string{"Never Old"}},
		{"200d", 200, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ms, err := db.SegmentMembers(ctx, crm.SegmentFilter{SilentSince: ago(tc.days)})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range ms {
				got = append(got, m.Name)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("silent=%s: got %v, want %v", tc.name, got, tc.want)
			}
		})
	}
}

// segmentRows reads the segment index's bucket documents.
func segmentRows(t *testing.T, db *store.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	for b := range 256 {
		var d struct {
			R map[string]string `bson:"r"`
		}
		err := db.Database().Collection("keys").FindOne(context.Background(), bson.D{{Key: "_id", Value: fmt.Sprint("seg:", b)}}).Decode(&d)
		if err != nil && err.Error() != "mongo: no documents in result" {
			t.Fatal(err)
		}
		for id, row := range d.R {
			out[id] = row
		}
	}
	return out
}

// TestSegmentIndexBuild: the one-off build over customers written before
// the index existed gives the rows live writes give, and segments are
// answered (by a scan) while it is missing.
func TestSegmentIndexBuild(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	now := time.Now()
	for i, city := range []string{"Kuala Lumpur", "Penang", "", "Johor Bahru", "Ipoh"} {
		c := mustCreate(t, db, crm.Customer{Name: fmt.Sprint("Customer ", i), City: city, Source: "facebook",
			Birthday: crm.Date(fmt.Sprintf("1990-%02d-15", i+1)), CreatedAt: now.AddDate(0, 0, -30*i)})
		if i%2 == 0 {
			if err := db.LogInteraction(ctx, &crm.Interaction{CustomerID: c.ID, Kind: crm.KindVisit, At: now.AddDate(0, 0, -i)}); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.SetTier(ctx, c.ID, allTiers[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.ImportCustomers(ctx, []*crm.Customer{{Name: "Imported", City: "Penang"}}); err != nil {
		t.Fatal(err)
	}
	live := segmentRows(t, db)
	if len(live) != 6 {
		t.Fatalf("live rows: %d, want 6", len(live))
	}

	// As before the index existed: no rows, no marker.
	keys := db.Database().Collection("keys")
	for b := range 256 {
		if _, err := keys.DeleteOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprint("seg:", b)}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := keys.DeleteOne(ctx, bson.D{{Key: "_id", Value: "meta:segment-index-v1"}}); err != nil {
		t.Fatal(err)
	}
	checkSegments(t, db, now, "rows missing")

	n, err := db.IndexSegments(ctx)
	if err != nil || n != 6 {
		t.Fatalf("build: %d customers, %v", n, err)
	}
	if built := segmentRows(t, db); !reflect.DeepEqual(built, live) {
		t.Fatalf("built rows differ from live ones:\nbuilt %q\nlive  %q", built, live)
	}
	if n, err := db.IndexSegments(ctx); err != nil || n != 0 {
		t.Fatalf("second build: %d, %v; want nothing to do", n, err)
	}
	n, err = db.RebuildSegmentIndex(ctx)
	if err != nil || n != 6 || !reflect.DeepEqual(segmentRows(t, db), live) {
		t.Fatalf("rebuild: %d, %v", n, err)
	}
	checkSegments(t, db, now, "build")
}
