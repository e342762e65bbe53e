package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/store"
)

var undoNow = time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)

func tierAt(st crm.Stats) crm.Tier { return crm.DefaultTierRules.Tier(st, undoNow) }

func mustCustomer(t *testing.T, db *store.DB, id crm.CustomerID) *crm.Customer {
	t.Helper()
	c, err := db.Customer(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func sale(c *crm.Customer, at time.Time, minor int64, pay crm.PaymentMethod, campaign string) *crm.Sale {
	s := &crm.Sale{CustomerID: c.ID, Staff: "s1", At: at, Product: "panel", Quantity: 1,
		Amount: crm.Money{Minor: minor, Currency: "MYR"}, Payment: pay, Campaign: campaign}
	if pay == crm.PayCredit {
		s.Credit = &crm.Credit{TermDays: 30, DueAt: at.AddDate(0, 0, 30)}
	}
	return s
}

// TestUndoSaleRestoresStats: after undo the customer's figures are exactly
// as before the sale, the largest sale included ($inc cannot undo a $max).
func TestUndoSaleRestoresStats(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		prior []*crm.Sale // recorded before the snapshot
		undo  func(c *crm.Customer) *crm.Sale
	}{
		{"FirstSale", nil, func(c *crm.Customer) *crm.Sale { return sale(c, undoNow, 800_00, crm.PayCash, "") }},
		{"LargestOnCredit", []*crm.Sale{}, func(c *crm.Customer) *crm.Sale {
			return sale(c, undoNow.Add(time.Hour), 9_000_00, crm.PayCredit, "deepavali")
		}},
		{"OtherCurrency", nil, func(c *crm.Customer) *crm.Sale {
			s := sale(c, undoNow.Add(time.Hour), 50_00, crm.PayCard, "")
			s.Amount.Currency = "SGD"
			return s
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := MustOpenDB(t)
			c := mustCreate(t, db, crm.Customer{Name: "Siti Nurhaliza"})
			if tt.prior != nil {
				for _, s := range []*crm.Sale{sale(c, undoNow.Add(-48*time.Hour), 1_250_00, crm.PayCard, "raya"), sale(c, undoNow.Add(-24*time.Hour), 300_00, crm.PayCredit, "")} {
					if err := db.RecordSale(ctx, s, tierAt); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := db.LogInteraction(ctx, &crm.Interaction{CustomerID: c.ID, Staff: "s2", Kind: crm.KindCall, At: undoNow.Add(-time.Hour), Notes: "called"}); err != nil {
				t.Fatal(err)
			}
			before := mustCustomer(t, db, c.ID)
			if err := db.RecordSale(ctx, tt.undo(c), tierAt); err != nil {
				t.Fatal(err)
			}
			if got := mustCustomer(t, db, c.ID); reflect.DeepEqual(got.Stats, before.Stats) {
				t.Fatal("the sale changed nothing; the test cannot tell undo from no-op")
			}
			w, err := db.Undo(ctx, "s1", undoNow.Add(-24*time.Hour), undoNow, tierAt)
			if err != nil {
				t.Fatal(err)
			}
			if w.Kind != crm.WriteSale {
				t.Errorf("undid %s, want the sale", w.Kind)
			}
			after := mustCustomer(t, db, c.ID)
			if !reflect.DeepEqual(after.Stats, before.Stats) {
				t.Errorf("stats after undo\n%+v\nwant\n%+v", after.Stats, before.Stats)
			}
			if !reflect.DeepEqual(after.Recent, before.Recent) {
				t.Errorf("recent after undo %+v, want %+v", after.Recent, before.Recent)
			}
			if _, err := db.SaleByNo(ctx, w.Sale.No); crm.ErrorCode(err) != crm.ENOTFOUND {
				t.Errorf("sale #%d still found: %v", w.Sale.No, err)
			}
			day := undoNow.Format("2006-01-02")
			sales, err := db.SalesOn(ctx, day)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range sales {
				if s.ID == w.Sale.ID {
					t.Errorf("undone sale still listed on %s", day)
				}
			}
		})
	}
}

// TestUndoGoesBackOneAtATime: each undo takes back the write before.
func TestUndoGoesBackOneAtATime(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	c := mustCreate(t, db, crm.Customer{Name: "Tan Ah Kow"})
	empty := mustCustomer(t, db, c.ID)
	it := &crm.Interaction{CustomerID: c.ID, Staff: "s1", Kind: crm.KindVisit, At: undoNow, Notes: "demo", FollowUpAt: undoNow.Add(72 * time.Hour)}
	if err := db.LogInteraction(ctx, it); err != nil {
		t.Fatal(err)
	}
	if err := db.AddReminder(ctx, &crm.Reminder{Staff: "s1", CustomerID: c.ID, DueAt: it.FollowUpAt, Text: "demo"}); err != nil {
		t.Fatal(err)
	}
	k := &crm.Complaint{CustomerID: c.ID, Kind: crm.ComplaintKindComplaint, Text: "late", OpenedBy: "s1", OpenedAt: undoNow.Add(time.Minute)}
	if err := db.FileComplaint(ctx, k); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ResolveComplaint(ctx, k.No, "s1", undoNow.Add(2*time.Minute), crm.ResolutionFixed, "fixed", nil); err != nil {
		t.Fatal(err)
	}
	since := undoNow.Add(-24 * time.Hour)
	for _, want := range []crm.WriteKind{crm.WriteResolve, crm.WriteComplaint, crm.WriteLog} {
		w, err := db.Undo(ctx, "s1", since, undoNow, tierAt)
		if err != nil {
			t.Fatalf("undo %s: %v", want, err)
		}
		if w.Kind != want {
			t.Fatalf("undid %s, want %s", w.Kind, want)
		}
		if want == crm.WriteResolve {
			c := mustCustomer(t, db, c.ID)
			if len(c.Open) != 1 || c.Stats.OpenComplaints != 1 {
				t.Errorf("resolve undone, open %+v count %d", c.Open, c.Stats.OpenComplaints)
			}
		}
	}
	if _, err := db.Undo(ctx, "s1", since, undoNow, tierAt); crm.ErrorCode(err) != crm.ENOTFOUND {
		t.Errorf("fourth undo: %v, want nothing left", err)
	}
	got := mustCustomer(t, db, c.ID)
	got.UpdatedAt, empty.UpdatedAt = time.Time{}, time.Time{}
	if !reflect.DeepEqual(got.Stats, empty.Stats) || len(got.Recent) != 0 || len(got.Open) != 0 {
		t.Errorf("after undoing everything\n%+v\nwant\n%+v", got, empty)
	}
	if rs, _ := db.OpenReminders(ctx, "s1"); len(rs) != 0 {
		t.Errorf("the log's follow-up is still open: %+v", rs)
	}
}

func TestUndoTooOld(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	c := mustCreate(t, db, crm.Customer{Name: "Tan Ah Kow"})
	if err := db.RecordSale(ctx, sale(c, undoNow.Add(-25*time.Hour), 100_00, crm.PayCash, ""), tierAt); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Undo(ctx, "s1", undoNow.Add(-24*time.Hour), undoNow, tierAt); crm.ErrorCode(err) != crm.EINVALID {
		t.Errorf("undo of a sale 25 h old: %v, want a refusal", err)
	}
	if got := mustCustomer(t, db, c.ID); got.Stats.Orders != 1 {
		t.Errorf("orders %d after a refused undo", got.Stats.Orders)
	}
}

// TestEditAndDeleteSale: figures follow a corrected or removed sale, and
// undo puts back what was there.
func TestEditAndDeleteSale(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	c := mustCreate(t, db, crm.Customer{Name: "Siti Nurhaliza"})
	small, big := sale(c, undoNow.Add(-time.Hour), 500_00, crm.PayCash, ""), sale(c, undoNow, 12_000_00, crm.PayCash, "")
	for _, s := range []*crm.Sale{small, big} {
		if err := db.RecordSale(ctx, s, tierAt); err != nil {
			t.Fatal(err)
		}
	}
	if small.No == 0 || big.No != small.No+1 {
		t.Fatalf("sale numbers %d, %d", small.No, big.No)
	}
	withBig := mustCustomer(t, db, c.ID)
	amount := crm.Money{Minor: 1_200_00, Currency: "MYR"}
	pay := crm.PayCredit
	was, now, err := db.EditSale(ctx, big.No, crm.SaleEdit{Amount: &amount, Payment: &pay}, "s1", undoNow, tierAt)
	if err != nil {
		t.Fatal(err)
	}
	if was.Amount.Minor != 12_000_00 || now.Amount.Minor != 1_200_00 || now.Credit == nil {
		t.Errorf("edit: %+v → %+v", was, now)
	}
	got := mustCustomer(t, db, c.ID).Stats
	if got.Largest != 1_200_00 || got.Spent["MYR"] != 1_700_00 || got.CreditDue != 1_200_00 || got.Orders != 2 {
		t.Errorf("after edit: %+v", got)
	}
	if _, err := db.DeleteSale(ctx, big.No, "s1", undoNow, tierAt); err != nil {
		t.Fatal(err)
	}
	got = mustCustomer(t, db, c.ID).Stats
	if got.Largest != 500_00 || got.Spent["MYR"] != 500_00 || got.CreditDue != 0 || got.Orders != 1 || !got.LastOrderAt.Equal(small.At.Truncate(time.Millisecond)) {
		t.Errorf("after delete: %+v", got)
	}
	for _, want := range []crm.WriteKind{crm.WriteDeleteSale, crm.WriteEditSale} {
		if w, err := db.Undo(ctx, "s1", undoNow.Add(-time.Hour), undoNow, tierAt); err != nil || w.Kind != want {
			t.Fatalf("undo: %v %v, want %s", w, err, want)
		}
	}
	if got := mustCustomer(t, db, c.ID); !reflect.DeepEqual(got.Stats, withBig.Stats) {
		t.Errorf("after undoing the delete and the edit\n%+v\nwant\n%+v", got.Stats, withBig.Stats)
	}
}

// TestSaleWinsBackLostCustomer: the sale clears the lost mark and sets the
// tier; undoing it makes the customer lost again.
func TestSaleWinsBackLostCustomer(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	c := mustCreate(t, db, crm.Customer{Name: "Tan Ah Kow"})
	lostAt := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	if _, err := db.UpdateCustomer(ctx, c.ID, crm.CustomerUpdate{Lost: &crm.Lost{At: lostAt, Competitor: "Solar Jaya", Reason: "price", By: "s1"}}); err != nil {
		t.Fatal(err)
	}
	lost := mustCustomer(t, db, c.ID)
	if ids, _ := db.CustomersLost(ctx, "2026-10-01"); len(ids) != 1 {
		t.Fatalf("lost index: %d", len(ids))
	}
	s := sale(c, undoNow, 40_000_00, crm.PayTransfer, "")
	if err := db.RecordSale(ctx, s, tierAt); err != nil {
		t.Fatal(err)
	}
	got := mustCustomer(t, db, c.ID)
	if got.Lost != nil || got.Stats.Tier == crm.TierLost || got.Stats.Tier == "" {
		t.Errorf("after the sale: lost %+v, tier %q", got.Lost, got.Stats.Tier)
	}
	if len(got.WonBack) != 1 || got.WonBack[0].Lost.Competitor != "Solar Jaya" || got.WonBack[0].Sale != s.No {
		t.Errorf("won back: %+v", got.WonBack)
	}
	if cs, _ := db.CustomersLost(ctx, "2026-10-01"); len(cs) != 0 {
		t.Errorf("still indexed as lost")
	}
	if _, err := db.Undo(ctx, "s1", undoNow.Add(-time.Hour), undoNow, tierAt); err != nil {
		t.Fatal(err)
	}
	got = mustCustomer(t, db, c.ID)
	if got.Lost == nil || got.Stats.Tier != crm.TierLost || len(got.WonBack) != 0 || !reflect.DeepEqual(got.Stats, lost.Stats) {
		t.Errorf("after undo: lost %+v, tier %q, won back %+v", got.Lost, got.Stats.Tier, got.WonBack)
	}
	if cs, _ := db.CustomersLost(ctx, "2026-10-01"); len(cs) != 1 {
		t.Errorf("not indexed as lost again")
	}
}

// TestEditAfterMerge: a merge moves sales without touching the customer's
// sale list; the first correction afterwards sees every sale anyway.
func TestEditAfterMerge(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	a := mustCreate(t, db, crm.Customer{Name: "Siti Nurhaliza"})
	b := mustCreate(t, db, crm.Customer{Name: "Siti N"})
	own, moved, other := sale(a, undoNow.Add(-time.Hour), 100_00, crm.PayCash, ""), sale(b, undoNow, 500_00, crm.PayCash, ""), sale(b, undoNow.Add(-2*time.Hour), 300_00, crm.PayCash, "")
	for _, s := range []*crm.Sale{own, moved, other} {
		if err := db.RecordSale(ctx, s, tierAt); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := db.MergeCustomers(ctx, a.ID, b.ID, "s1", undoNow, tierAt); err != nil {
		t.Fatal(err)
	}
	amount := crm.Money{Minor: 50_00, Currency: "MYR"}
	if _, _, err := db.EditSale(ctx, moved.No, crm.SaleEdit{Amount: &amount}, "s1", undoNow, tierAt); err != nil {
		t.Fatal(err)
	}
	got := mustCustomer(t, db, a.ID).Stats
	if got.Orders != 3 || got.Largest != 300_00 || got.Spent["MYR"] != 450_00 || !got.FirstOrderAt.Equal(other.At) {
		t.Errorf("after merge and edit: %+v", got)
	}
}
