package handlers_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/handlers"
)

// fileAt files a complaint as the store keeps it, at a chosen time.
func (f *fixture) fileAt(who string, kind crm.ComplaintKind, product string, at time.Time) crm.ComplaintNo {
	f.t.Helper()
	c := &crm.Complaint{CustomerID: f.customer(who).ID, Kind: kind, Product: product, Text: "trouble with " + product,
		OpenedBy: f.admin.ID, Owner: f.admin.ID, OpenedAt: at}
	if err := f.db.FileComplaint(context.Background(), c); err != nil {
		f.t.Fatal(err)
	}
	return c.No
}

// productBlock returns the report's block about a product, by its heading.
func productBlock(t *testing.T, rep handlers.Reply, heading string) map[string]string {
	t.Helper()
	for _, b := range rep.Blocks {
		if b.Heading == heading {
			fields := map[string]string{}
			for _, x := range b.Fields {
				fields[x.Label] = x.Value
			}
			return fields
		}
	}
	t.Fatalf("no block %q in:\n%s", heading, rep.Plain())
	return nil
}

func TestReportProducts(t *testing.T) {
	f := newFixture(t)
	now := f.now
	day := 24 * time.Hour
	f.ok("add Siti Nurhaliza 012-345 6789")
	f.ok("add Tan Ah Kow 019-876 5432")

	t.Run("None", func(t *testing.T) {
		contains(t, f.ok("report products"), "Products with complaints, last 30 days",
			"No complaint, return or support call named a product in the last 30 days")
	})

	// Spellings of one product, over several days and both edges of the window.
	a := f.fileAt("siti", crm.ComplaintKindComplaint, "Solar Panel", now.Add(-1*day))
	b := f.fileAt("tan", crm.ComplaintKindReturn, "solar  panel", now.Add(-2*day))
	c := f.fileAt("siti", crm.ComplaintKindComplaint, "SOLAR PANEL ", now.Add(-5*day))
	edge := f.fileAt("tan", crm.ComplaintKindComplaint, "Solar Panel", now.Add(-30*day+time.Minute))
	f.fileAt("tan", crm.ComplaintKindComplaint, "Solar Panel", now.Add(-30*day-time.Minute)) // just outside
	f.fileAt("siti", crm.ComplaintKindSupport, "Inverter", now.Add(-3*day))
	f.fileAt("siti", crm.ComplaintKindComplaint, "pump", now.Add(-45*day))
	f.fileAt("siti", crm.ComplaintKindComplaint, "", now.Add(-1*day)) // names no product
	f.ok("resolve " + itoa64(b) + ": refunded, customer satisfied")

	t.Run("GroupsSpellingsInTheWindow", func(t *testing.T) {
		rep := f.do("report products")
		if rep.Error {
			t.Fatal(rep.Plain())
		}
		got := rep.Plain()
		contains(t, got, "Products with complaints, last 30 days", "5 complaints, returns and support calls named a product.",
			"2 products are concerned.", "1. Solar Panel — 4", "2. Inverter — 1", "Latest filed", "#"+itoa64(a)+" ")
		if strings.Contains(got, "pump") || strings.Contains(got, "— 5") {
			t.Errorf("report counts filings outside the 30 days:\n%s", got)
		}
		solar := productBlock(t, rep, "1. Solar Panel — 4")
		want := map[string]string{"Complaints": "3", "Returns": "1", "Support calls": "0", "Open": "3", "Resolved": "1",
			"Latest": "#" + itoa64(a) + ", #" + itoa64(b) + ", #" + itoa64(c)}
		for k, v := range want {
			if solar[k] != v {
				t.Errorf("Solar Panel %s = %q, want %q", k, solar[k], v)
			}
		}
		if strings.Contains(solar["Latest"], "#"+itoa64(edge)) {
			t.Errorf("latest lists more than three: %q", solar["Latest"])
		}
		if inv := productBlock(t, rep, "2. Inverter — 1"); inv["Support calls"] != "1" || inv["Open"] != "1" {
			t.Errorf("Inverter %v", inv)
		}
		var cmds []string
		for _, btn := range rep.Buttons() {
			cmds = append(cmds, btn.Command)
		}
		if len(cmds) == 0 || !strings.HasPrefix(cmds[0], "show #"+string(f.customer("siti").ID)) {
			t.Errorf("buttons %v, want the newest filing's customer first", cmds)
		}
	})
	t.Run("LongerPeriod", func(t *testing.T) {
		rep := f.do("report products 60d")
		contains(t, rep.Plain(), "last 60 days", "1. Solar Panel — 5", "pump — 1")
	})
	t.Run("TypedCommandIsIndexed", func(t *testing.T) {
		f.ok("complaint return Tan: leaks product=Water Pump")
		contains(t, f.ok("report products 7d"), "Water Pump — 1")
	})
	t.Run("Refusals", func(t *testing.T) {
		for _, line := range []string{"report products -1d", "report products soon", "report products 4000d"} {
			if rep := f.do(line); !rep.Error || !strings.Contains(rep.Plain(), "number of days") {
				t.Errorf("%q: %s", line, rep.Plain())
			}
		}
		if rep := f.do("report everything"); !strings.Contains(rep.Plain(), "report products") {
			t.Errorf("unknown report does not mention products: %s", rep.Plain())
		}
	})
	t.Run("FieldStaffCannotReport", func(t *testing.T) {
		if rep := f.as(f.staff("telegram:42", crm.RoleField), "report products"); !rep.Error {
			t.Errorf("field staff got %s", rep.Plain())
		}
	})
}

func itoa64[T ~int64](n T) string { return strconv.FormatInt(int64(n), 10) }

// alerts returns the product alerts a fake platform accepted, by recipient.
func alerts(f *fake) map[crm.Identity][]handlers.Reply {
	out := map[crm.Identity][]handlers.Reply{}
	f.each(func(m sent) {
		if strings.Contains(m.rep.Plain(), "Repeated complaints") {
			out[m.to] = append(out[m.to], m.rep)
		}
	})
	return out
}

func TestProductAlert(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, at("2026-11-02", "10:00"))
	admin, err := w.db.EnsureStaff(ctx, &crm.Staff{Name: "Admin", Role: crm.RoleAdmin, Identities: []crm.Identity{"telegram:900"}})
	if err != nil {
		t.Fatal(err)
	}
	field, err := w.db.EnsureStaff(ctx, &crm.Staff{Name: "Field", Role: crm.RoleField, Identities: []crm.Identity{"telegram:300"}})
	if err != nil {
		t.Fatal(err)
	}
	w.as(w.rep, "add Siti Nurhaliza +60 12-345 6789")
	w.as(w.rep, "add Tan Ah Kow 019-876 5432")
	f := newFake()
	s := w.scheduler(w.h, w.db, f.deliverers(), "a")
	onDay := func(day string) { w.clock.Set(at(day, "10:00")) }

	// Below the threshold: an old pair of complaints outside 30 days, then
	// one more, then a support call, which does not count.
	onDay("2026-11-02")
	w.as(w.rep, "complaint Siti: hums product=Inverter")
	w.as(w.rep, "complaint Tan: hums too product=inverter")
	tick(t, s)
	onDay("2026-12-10")
	first := w.as(field, "complaint return Tan: dead on arrival product=INVERTER")
	w.as(w.rep, "complaint support Siti: how to reset product=Inverter")
	tick(t, s)
	if got := alerts(f); len(got) != 0 {
		t.Fatalf("alert below the threshold (old complaints counted?): %v", got)
	}
	_ = first

	t.Run("FiresAtTheThresholdToManagersAndAdmins", func(t *testing.T) {
		onDay("2026-12-11")
		w.as(w.rep, "complaint Siti: fan noise product=inverter")
		tick(t, s)
		onDay("2026-12-12")
		last := w.as(w.rep, "complaint Tan: trips the breaker product=Inverter")
		_ = last
		tick(t, s)
		got := alerts(f)
		if len(got) != 2 || len(got["slack:U1"]) != 1 || len(got["telegram:900"]) != 1 {
			t.Fatalf("alerts by recipient %v, want one each to the manager and the admin", keysOf(got))
		}
		rep := got["slack:U1"][0]
		contains(t, rep.Plain(), "Repeated complaints: Inverter", "3 complaints and returns about Inverter in the last 30 days",
			"the alert threshold is 3", "Complaints: 2", "Returns: 1", "Support calls: 1", "Open: 4", "Latest: #")
		var cmds []string
		for _, b := range rep.Buttons() {
			cmds = append(cmds, b.Command)
			if len(b.Command) > 64 {
				t.Errorf("button %q longer than 64 bytes", b.Command)
			}
		}
		tan, _, _ := w.db.FindCustomers(ctx, "tan", 1)
		if len(cmds) != 2 || cmds[0] != "report products" || cmds[1] != "show #"+string(tan[0].ID) {
			t.Errorf("buttons %v, want the report and Tan (the latest complaint's customer)", cmds)
		}
		_ = admin
	})
	t.Run("OncePerWindow", func(t *testing.T) {
		tick(t, s)
		onDay("2026-12-13")
		w.as(w.rep, "complaint Siti: again product=inverter")
		tick(t, s)
		onDay("2027-01-05")
		w.as(w.rep, "complaint Siti: and again product=inverter")
		tick(t, s)
		if got := alerts(f); len(got["slack:U1"]) != 1 || len(got["telegram:900"]) != 1 {
			t.Fatalf("alerted again within 30 days: %v", keysOf(got))
		}
	})
	t.Run("AgainInTheNextWindow", func(t *testing.T) {
		// 2027-01-11: 30 days after the first alert; the complaints of
		// 12/13 and 01/05 and this one make three in 30 days.
		onDay("2027-01-11")
		w.as(w.rep, "complaint Tan: still broken product=inverter")
		tick(t, s)
		if got := alerts(f); len(got["slack:U1"]) != 2 || len(got["telegram:900"]) != 2 {
			t.Fatalf("alerts %v, want a second one each in the next window", keysOf(got))
		}
	})
}

func keysOf(m map[crm.Identity][]handlers.Reply) map[crm.Identity]int {
	out := map[crm.Identity]int{}
	for k, v := range m {
		out[k] = len(v)
	}
	return out
}

// TestProductAlertOnceAcrossReplicasAndCrashes runs two replicas' ticks at
// once, then replays the check as a replica killed before it took the
// numbers off the list (and before it recorded the alert) would leave it.
func TestProductAlertOnceAcrossReplicasAndCrashes(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, at("2026-12-01", "10:00"))
	w.as(w.rep, "add Siti Nurhaliza +60 12-345 6789")
	for _, line := range []string{"complaint Siti: cracked product=Pump", "complaint return Siti: leaks product=pump",
		"complaint Siti: noisy product=PUMP"} {
		w.as(w.rep, line)
	}
	f := newFake()
	db2, h2 := w.client()
	a := w.scheduler(w.h, w.db, f.deliverers(), "a")
	b := w.scheduler(h2, db2, f.deliverers(), "b")
	var wg sync.WaitGroup
	for _, s := range []*handlers.Scheduler{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Tick(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	tick(t, b)
	if got := alerts(f); len(got) != 1 || len(got["slack:U1"]) != 1 {
		t.Fatalf("two replicas sent %v, want one alert to the manager", keysOf(got))
	}

	keys := w.db.Database().Collection("keys")
	relist := func() {
		t.Helper()
		var nos bson.A
		for n := int64(1); n <= 3; n++ {
			nos = append(nos, strconv.FormatInt(n, 10))
		}
		if _, err := keys.UpdateOne(ctx, bson.D{{Key: "_id", Value: "pc:check"}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "ids", Value: nos}}}}); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("KilledBeforeTakingNumbersOff", func(t *testing.T) {
		relist()
		tick(t, a)
		if got := alerts(f); len(got["slack:U1"]) != 1 {
			t.Fatalf("replayed check sent again: %v", keysOf(got))
		}
	})
	t.Run("KilledBeforeRecordingTheAlert", func(t *testing.T) {
		relist()
		if _, err := keys.DeleteOne(ctx, bson.D{{Key: "_id", Value: "pa:pump"}}); err != nil {
			t.Fatal(err)
		}
		tick(t, b)
		if got := alerts(f); len(got["slack:U1"]) != 1 {
			t.Fatalf("replayed plan sent again: %v", keysOf(got))
		}
		if left, _ := w.db.ProductComplaintsToCheck(ctx); len(left) != 0 {
			t.Errorf("numbers left on the check list: %v", left)
		}
	})
}

// TestReportProductsSpellingTie: three spellings typed once each; the one
// in mixed case names the product, whatever the map order.
func TestReportProductsSpellingTie(t *testing.T) {
	f := newFixture(t)
	f.ok("add Tan Ah Kow 0198765432")
	f.ok("complaint return Tan: leaks product=WATER PUMP")
	f.ok("complaint Tan: noisy product=water  pump")
	f.ok("complaint return Tan: broken product=Water Pump")
	for range 5 {
		contains(t, f.ok("report products"), "1. Water Pump — 3")
	}
	// Two returns of four pumps sold in the period: a return rate of 50%.
	f.ok("sale Tan: 800 MYR water pump x3 cash")
	f.ok("sale Tan: 300 MYR Water  Pump cash")
	f.ok("sale Tan: 100 MYR hose cash")
	contains(t, f.ok("report products"), "Sold: 4", "Return rate: 50.0%")
}
