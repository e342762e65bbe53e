package handlers_test

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crmbot/crmbot/crm"
)

// fieldOf returns a reply field's value by its English label.
func fieldOf(t *testing.T, f *fixture, line, label string) string {
	t.Helper()
	rep := f.do(line)
	if rep.Error {
		t.Fatalf("%q refused: %s", line, rep.Plain())
	}
	for _, b := range rep.Blocks {
		for _, fl := range b.Fields {
			if fl.Label == label {
				return fl.Value
			}
		}
	}
	t.Fatalf("%q: no field %s in\n%s", line, label, rep.Plain())
	return ""
}

func refused(t *testing.T, f *fixture, s *crm.Staff, line string, want ...string) {
	t.Helper()
	rep := f.as(s, line)
	if !rep.Error {
		t.Errorf("%q answered, want a refusal:\n%s", line, rep.Plain())
	}
	contains(t, rep.Plain(), want...)
}

// TestResolveClosesComplaint: a resolved complaint leaves the card, the
// lead score and the digest's open count.
func TestResolveClosesComplaint(t *testing.T) {
	f := newFixture(t)
	f.ok("add Siti Nurhaliza 012-345 6789")
	f.ok("complaint Siti: inverter stopped working")
	f.ok("complaint Siti: panel cracked")
	f.now = f.now.Add(72 * time.Hour)
	contains(t, f.ok("digest"), "2 open over 48 h")
	contains(t, f.ok("resolve 1: replaced the inverter, customer satisfied"), "#1")

	card := f.ok("show Siti")
	if strings.Contains(card, "inverter stopped working") {
		t.Errorf("the card still shows resolved complaint #1:\n%s", card)
	}
	contains(t, card, "panel cracked")
	if got := leadLine(card); !strings.Contains(got, "an open complaint") {
		t.Errorf("lead line %q, want one open complaint", got)
	}
	c := f.customer("siti")
	if len(c.Open) != 1 || c.Open[0].No != 2 || c.Stats.OpenComplaints != 1 {
		t.Errorf("open %+v, count %d", c.Open, c.Stats.OpenComplaints)
	}
	contains(t, f.ok("digest"), "1 open over 48 h")
	f.ok("resolve 2: fixed")
	if got := leadLine(f.ok("show Siti")); strings.Contains(got, "complaint") {
		t.Errorf("lead line %q after both resolved", got)
	}
	if keys := reasonKeys(crm.ScoreLead(f.customer("siti"), f.now, false)); slices.Contains(keys, "lead_reason_complaint") {
		t.Errorf("lead score still counts a complaint: %v", keys)
	}
}

func reasonKeys(l crm.Lead) []string {
	var out []string
	for _, r := range l.Reasons {
		out = append(out, r.Key)
	}
	return out
}

func TestSaleWinsBackLostCustomer(t *testing.T) {
	f := newFixture(t)
	f.ok("add Tan Ah Kow 019-876 5432")
	today := f.now
	f.now = time.Date(2026, 10, 1, 11, 0, 0, 0, kl)
	f.ok("lost Tan: went to competitor Solar Jaya, price")
	f.now = today
	contains(t, f.ok("show Tan"), "Lost to")

	rep := f.ok("sale Tan: RM40,000 solar panel x10 transfer")
	contains(t, rep, "Sale #1 recorded for Tan Ah Kow.", "Tan Ah Kow is back: was lost to Solar Jaya since 2026-10-01")
	c := f.customer("Tan")
	if c.Lost != nil || c.Stats.Tier == crm.TierLost {
		t.Errorf("still lost: %+v, tier %s", c.Lost, c.Stats.Tier)
	}
	card := f.ok("show Tan")
	contains(t, card, "Won back", "2026-11-23, lost to Solar Jaya since 2026-10-01")
	if strings.Contains(card, "Lost to") {
		t.Errorf("card still says lost:\n%s", card)
	}
	contains(t, f.ok("undo"), "Undone: sale #1 (Tan Ah Kow)", "Tan Ah Kow is marked lost again")
	if c := f.customer("Tan"); c.Lost == nil || c.Stats.Tier != crm.TierLost || len(c.WonBack) != 0 {
		t.Errorf("after undo: lost %+v tier %s won back %+v", c.Lost, c.Stats.Tier, c.WonBack)
	}
}

// TestUndoSaleLeavesStatsAsBefore: the customer's figures after undo are
// deep-equal to those before the sale.
func TestUndoSaleLeavesStatsAsBefore(t *testing.T) {
	f := newFixture(t)
	f.ok("add Siti Nurhaliza 012-345 6789")
	f.ok("sale Siti: 300 cable x2 cash")
	f.ok("log Siti: called about the quotation")
	before := f.customer("siti")
	contains(t, f.ok("sale Siti: 9000 MYR solar panel x3 credit 30d"), "Sale #2")
	if c := f.customer("siti"); c.Stats.Largest != 9000_00 || c.Stats.CreditDue != 9000_00 {
		t.Fatalf("sale not counted: %+v", c.Stats)
	}
	contains(t, f.ok("undo"), "Undone: sale #2 (Siti Nurhaliza)", "RM 9,000.00", "solar panel × 3")
	after := f.customer("siti")
	if !reflect.DeepEqual(after.Stats, before.Stats) {
		t.Errorf("stats after undo\n%+v\nwant\n%+v", after.Stats, before.Stats)
	}
	if !reflect.DeepEqual(after.Recent, before.Recent) {
		t.Errorf("recent after undo %+v, want %+v", after.Recent, before.Recent)
	}
	// The one before is the log, then the first sale; then nothing.
	contains(t, f.ok("undo"), "Undone: log #1")
	contains(t, f.ok("undo"), "Undone: sale #1")
	refused(t, f, f.admin, "undo", "nothing left to undo")
	c := f.customer("siti")
	if c.Stats.Orders != 0 || len(c.Stats.Spent) != 0 || !c.Stats.LastContactAt.IsZero() || len(c.Recent) != 0 || c.Stats.Tier != crm.TierNone {
		t.Errorf("after undoing everything: %+v recent %d", c.Stats, len(c.Recent))
	}
}

func TestUndoWindow(t *testing.T) {
	f := newFixture(t)
	f.ok("add Siti Nurhaliza 012-345 6789")
	f.ok("sale Siti: 300 cable")
	f.now = f.now.Add(25 * time.Hour)
	refused(t, f, f.admin, "undo", "sale #1", "older than 24 hours", "edit", "delete")
	if c := f.customer("siti"); c.Stats.Orders != 1 {
		t.Errorf("orders %d after a refused undo", c.Stats.Orders)
	}
	refused(t, f, f.admin, "undo everything", "needs nothing after it")
}

func TestUndoIsPerStaff(t *testing.T) {
	f := newFixture(t)
	rep := f.staff("telegram:200", crm.RoleRep)
	f.ok("add Siti Nurhaliza 012-345 6789")
	f.ok("sale Siti: 300 cable")
	refused(t, f, rep, "undo", "nothing left to undo")
	if c := f.customer("siti"); c.Stats.Orders != 1 {
		t.Errorf("someone else's undo took the sale back")
	}
}

func TestEditSale(t *testing.T) {
	f := newFixture(t)
	f.ok("add Siti Nurhaliza 012-345 6789")
	f.ok("sale Siti: 800 pump cash")
	tests := []struct {
		name, line, label, want string
	}{
		{"Amount", "edit sale 1: amount=1,500", "Amount", "RM 800.00 → RM 1,500.00"},
		{"AmountWithSymbol", "edit sale #1: amount=RM1600", "Amount", "RM 1,500.00 → RM 1,600.00"},
		{"Quantity", "edit sale 1: qty=2", "Quantity", "1 → 2"},
		{"Product", "edit sale 1: product=water pump 2hp", "Product", "pump → water pump 2hp"},
		{"PaymentCredit", "edit sale 1: payment=credit 60d", "Payment", "cash → credit 60d"},
		{"Malay", "edit jualan 1: jumlah=1700", "Amount", "RM 1,600.00 → RM 1,700.00"},
		{"Chinese", "edit sale 1：金额=1800", "Amount", "RM 1,700.00 → RM 1,800.00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fieldOf(t, f, tt.line, tt.label); got != tt.want {
				t.Errorf("%s = %q, want %q", tt.label, got, tt.want)
			}
		})
	}
	c := f.customer("siti")
	if c.Stats.Orders != 1 || c.Stats.Spent["MYR"] != 1800_00 || c.Stats.Largest != 1800_00 || c.Stats.CreditDue != 1800_00 {
		t.Errorf("figures after the edits: %+v", c.Stats)
	}
	for _, line := range []string{"edit sale 1: amount=abc", "edit sale 1: colour=red", "edit sale 1:", "edit sale 1: qty=-2", "edit sale 1: payment=barter", "edit sale 9: amount=5"} {
		t.Run("Refuse "+line, func(t *testing.T) {
			if rep := f.do(line); !rep.Error {
				t.Errorf("%q answered:\n%s", line, rep.Plain())
			}
		})
	}
	contains(t, f.ok("edit Siti: hobby=golf"), "golf") // a customer edit still is one
}

func TestEditOnlyByAuthorOrManager(t *testing.T) {
	f := newFixture(t)
	a := f.staff("telegram:201", crm.RoleField)
	b := f.staff("telegram:202", crm.RoleField)
	m := f.staff("telegram:203", crm.RoleManager)
	f.ok("add Siti Nurhaliza 012-345 6789")
	if rep := f.as(a, "sale Siti: 800 pump"); rep.Error {
		t.Fatal(rep.Plain())
	}
	if rep := f.as(a, "log Siti: visited the site"); rep.Error {
		t.Fatal(rep.Plain())
	}
	if rep := f.as(a, "complaint Siti: pump leaks"); rep.Error {
		t.Fatal(rep.Plain())
	}
	for _, line := range []string{"edit sale 1: amount=900", "edit log 1: notes=x", "edit complaint 1: text=x", "delete sale 1", "delete log 1 yes", "delete complaint 1"} {
		refused(t, f, b, line, "Only the person who wrote it")
	}
	if c := f.customer("siti"); c.Stats.Spent["MYR"] != 800_00 {
		t.Errorf("a refused edit changed the sale: %+v", c.Stats)
	}
	if rep := f.as(a, "edit sale 1: amount=900"); rep.Error {
		t.Errorf("the author may edit: %s", rep.Plain())
	}
	if rep := f.as(m, "edit sale 1: amount=950"); rep.Error {
		t.Errorf("a manager may edit: %s", rep.Plain())
	}
}

func TestEditAndDeleteLog(t *testing.T) {
	f := newFixture(t)
	f.ok("add Siti Nurhaliza 012-345 6789")
	contains(t, f.ok("log Siti: called about the quotation"), "Log #1: Logged call with Siti Nurhaliza.")
	if got := fieldOf(t, f, "edit log 1: notes=called about quotation v2", "Notes"); got != "called about the quotation → called about quotation v2" {
		t.Errorf("notes change %q", got)
	}
	if c := f.customer("siti"); len(c.Recent) != 1 || c.Recent[0].Notes != "called about quotation v2" {
		t.Errorf("card's recent list: %+v", c.Recent)
	}
	contains(t, f.ok("edit log 1: visited instead"), "visited instead")

	rep := f.do("delete log 1")
	if rep.Error || len(rep.Buttons()) != 1 || rep.Buttons()[0].Command != "delete log 1 yes" {
		t.Fatalf("delete asks with a button, got:\n%s", rep.Plain())
	}
	if c := f.customer("siti"); len(c.Recent) != 1 {
		t.Fatalf("asking deleted the log")
	}
	contains(t, f.ok("delete log 1 yes"), "Deleted log #1", "undo")
	if c := f.customer("siti"); len(c.Recent) != 0 || !c.Stats.LastContactAt.IsZero() {
		t.Errorf("after delete: recent %+v last contact %v", c.Recent, c.Stats.LastContactAt)
	}
	refused(t, f, f.admin, "edit log 1: notes=x", "no log #1")
	contains(t, f.ok("undo"), "Undone: the deletion of log #1")
	if c := f.customer("siti"); len(c.Recent) != 1 || c.Recent[0].Notes != "visited instead" {
		t.Errorf("after undoing the delete: %+v", c.Recent)
	}
	contains(t, f.ok("undo"), "Undone: the correction of log #1")
	if c := f.customer("siti"); c.Recent[0].Notes != "called about quotation v2" {
		t.Errorf("after undoing the edit: %+v", c.Recent)
	}
}

func TestEditDeleteComplaint(t *testing.T) {
	f := newFixture(t)
	f.ok("add Siti Nurhaliza 012-345 6789")
	f.ok("complaint Siti: inverter stoped product=inverter")
	if got := fieldOf(t, f, "edit complaint 1: text=inverter stopped after 2 weeks", "Complaint"); got != "inverter stoped → inverter stopped after 2 weeks" {
		t.Errorf("text change %q", got)
	}
	contains(t, f.ok("show Siti"), "inverter stopped after 2 weeks")
	if got := fieldOf(t, f, "edit complaint 1: product=solar inverter", "Product"); got != "inverter → solar inverter" {
		t.Errorf("product change %q", got)
	}
	contains(t, f.ok("delete complaint 1 yes"), "Deleted complaint #1")
	c := f.customer("siti")
	if len(c.Open) != 0 || c.Stats.OpenComplaints != 0 || c.Stats.Complaints != 0 {
		t.Errorf("after delete: open %+v stats %+v", c.Open, c.Stats)
	}
	f.ok("undo")
	c = f.customer("siti")
	if len(c.Open) != 1 || c.Stats.OpenComplaints != 1 || c.Stats.Complaints != 1 {
		t.Errorf("after undo: open %+v stats %+v", c.Open, c.Stats)
	}
	f.ok("resolve 1: fixed")
	contains(t, f.ok("undo"), "Undone: the resolution of complaint #1")
	if c := f.customer("siti"); len(c.Open) != 1 || c.Stats.OpenComplaints != 1 {
		t.Errorf("resolve undone: open %+v count %d", c.Open, c.Stats.OpenComplaints)
	}
	if k, err := f.db.Complaint(context.Background(), 1); err != nil || !k.Open() {
		t.Errorf("complaint after undoing its resolution: %+v %v", k, err)
	}
}

func TestUndoLogTakesItsFollowUp(t *testing.T) {
	f := newFixture(t)
	f.ok("add Siti Nurhaliza 012-345 6789")
	f.ok("log Siti: called about the quotation, follow up next friday")
	contains(t, f.ok("undo"), "Undone: log #1", "Follow-up")
	if rs, _ := f.db.OpenReminders(context.Background(), f.admin.ID); len(rs) != 0 {
		t.Errorf("follow-up left open: %+v", rs)
	}
	f.ok("remind Siti tomorrow 10:00: send the catalogue")
	contains(t, f.ok("undo"), "Undone: the reminder for")
}

func TestUndoMergeStillWorks(t *testing.T) {
	f := newFixture(t)
	f.ok("add Siti Nurhaliza 012-345 6789")
	f.ok("add Tan Ah Kow 019-876 5432")
	siti, tan := f.customer("Nurhaliza"), f.customer("Tan")
	f.ok("sale #" + string(tan.ID) + ": 100 cable")
	f.ok("merge #" + string(siti.ID) + " #" + string(tan.ID))
	contains(t, f.ok("undo merge 1"), "Tan Ah Kow")
	if c := f.customer("Nurhaliza"); c.ID != siti.ID || c.Stats.Orders != 0 {
		t.Errorf("after merge undo: %+v", c.Stats)
	}
	// The sale moved back with its customer; the sale's undo still finds it.
	contains(t, f.ok("undo"), "Undone: sale #1")
}

func TestUndoCustomerEdit(t *testing.T) {
	f := newFixture(t)
	f.ok("add Siti Nurhaliza 012-345 6789")
	f.ok("sale Siti: 300 cable")
	before := f.customer("siti")
	f.ok("edit Siti: company=Nur Trading hobby=golf birthday=1990-03-14 phone=013-999 8888")
	contains(t, f.ok("undo"), "Undone: the correction of the details of Siti Nurhaliza")
	after := f.customer("siti")
	if after.Company != before.Company || len(after.Hobbies) != 0 || after.Birthday != "" || len(after.Phones) != 1 || after.Stats.Orders != 1 {
		t.Errorf("after undo: %+v", after)
	}
	if rep := f.do("find 013-999 8888"); strings.Contains(rep.Plain(), "Siti") {
		t.Errorf("the removed phone still finds Siti:\n%s", rep.Plain())
	}
	contains(t, f.ok("undo"), "Undone: sale #1") // the one before is the sale
}

func TestUndoLostAndDone(t *testing.T) {
	f := newFixture(t)
	f.ok("add Tan Ah Kow 019-876 5432")
	f.ok("sale Tan: 800 pump")
	tier := f.customer("Tan").Stats.Tier
	f.ok("lost Tan: went to competitor Solar Jaya, price")
	contains(t, f.ok("undo"), "Undone: marking Tan Ah Kow lost")
	if c := f.customer("Tan"); c.Lost != nil || c.Stats.Tier != tier {
		t.Errorf("after undoing lost: %+v tier %s, want %s", c.Lost, c.Stats.Tier, tier)
	}

	f.ok("remind Tan tomorrow 10:00: send the catalogue")
	rs, err := f.db.OpenReminders(context.Background(), f.admin.ID)
	if err != nil || len(rs) != 1 {
		t.Fatalf("reminders %+v %v", rs, err)
	}
	f.ok("done " + rs[0].ID)
	contains(t, f.ok("undo"), "Undone: marking the reminder for")
	if rs, _ := f.db.OpenReminders(context.Background(), f.admin.ID); len(rs) != 1 {
		t.Errorf("the reminder is not open again: %+v", rs)
	}
}
