package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/crmbot/crmbot/crm"
)

// TestResolveTakesComplaintOffOpenList is the embedded store's $pull trap:
// a conditional $pull removed nothing there, so a resolved complaint stayed
// on the card while its count went down.
func TestResolveTakesComplaintOffOpenList(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	c := mustCreate(t, db, crm.Customer{Name: "Siti Nurhaliza"})
	at := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	var nos []crm.ComplaintNo
	for _, text := range []string{"inverter stopped", "panel cracked", "late delivery"} {
		k := &crm.Complaint{CustomerID: c.ID, Kind: crm.ComplaintKindComplaint, Text: text, Product: "inverter", OpenedAt: at}
		if err := db.FileComplaint(ctx, k); err != nil {
			t.Fatal(err)
		}
		nos = append(nos, k.No)
	}
	if _, err := db.ResolveComplaint(ctx, nos[1], "s1", at.Add(time.Hour), crm.ResolutionFixed, "fixed", nil); err != nil {
		t.Fatal(err)
	}
	got, err := db.Customer(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Open) != 2 || got.Open[0].No != nos[0] || got.Open[1].No != nos[2] {
		t.Errorf("open list after resolving #%d: %+v", nos[1], got.Open)
	}
	if got.Stats.OpenComplaints != 2 {
		t.Errorf("open count %d, want 2", got.Stats.OpenComplaints)
	}
	for _, no := range []crm.ComplaintNo{nos[0], nos[2]} {
		if _, err := db.ResolveComplaint(ctx, no, "s1", at.Add(time.Hour), crm.ResolutionFixed, "fixed", nil); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ = db.Customer(ctx, c.ID); len(got.Open) != 0 || got.Stats.OpenComplaints != 0 {
		t.Errorf("all resolved, still open: %+v, count %d", got.Open, got.Stats.OpenComplaints)
	}
}
