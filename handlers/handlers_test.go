package handlers_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/handlers"
	"github.com/crmbot/crmbot/store"
	"github.com/crmbot/crmbot/store/storetest"
)

// server is the package's one embedded store; each test has its own database.
var server *store.DB

var dbSeq atomic.Int64

func TestMain(m *testing.M) { storetest.Main(m, &server) }

// kl is the business's zone in these tests; now is Monday 2026-11-23 10:00 there.
var kl = mustZone("Asia/Kuala_Lumpur")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// fixture is a handler on a fresh database with a clock the test moves.
type fixture struct {
	t     testing.TB
	db    *store.DB
	h     *handlers.Handler
	now   time.Time
	admin *crm.Staff
}

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	return newFixtureIn(tb, "MY")
}

// newFixtureIn is a fixture for a business in region (CRM_REGION).
func newFixtureIn(tb testing.TB, region string) *fixture {
	tb.Helper()
	db, err := server.Use(context.Background(), fmt.Sprintf("h%d", dbSeq.Add(1)))
	if err != nil {
		tb.Fatal(err)
	}
	f := &fixture{t: tb, db: db, now: time.Date(2026, 11, 23, 10, 0, 0, 0, kl)}
	cat, err := handlers.NewCatalog()
	if err != nil {
		tb.Fatal(err)
	}
	f.h, err = handlers.New(handlers.Config{Store: db, Catalog: cat, Now: func() time.Time { return f.now },
		Location: kl, Region: region, Language: "en", DigestAt: "08:30"})
	if err != nil {
		tb.Fatal(err)
	}
	f.admin = f.staff("console:local", crm.RoleAdmin)
	return f
}

// staff enrols someone with a role.
func (f *fixture) staff(id crm.Identity, role crm.Role) *crm.Staff {
	f.t.Helper()
	s, err := f.db.EnsureStaff(context.Background(), &crm.Staff{Name: string(id), Role: role, Identities: []crm.Identity{id}})
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

// do runs a request as the admin and returns the plain reply.
func (f *fixture) do(line string) handlers.Reply {
	return f.as(f.admin, line)
}

func (f *fixture) as(s *crm.Staff, line string) handlers.Reply {
	return f.h.Handle(context.Background(), handlers.Request{Staff: s, Text: line})
}

// ok runs a request that must succeed and returns its plain text.
func (f *fixture) ok(line string) string {
	f.t.Helper()
	rep := f.do(line)
	if rep.Error {
		f.t.Fatalf("%q refused: %s", line, rep.Plain())
	}
	return rep.Plain()
}

func (f *fixture) customer(q string) *crm.Customer {
	f.t.Helper()
	cs, _, err := f.db.FindCustomers(context.Background(), q, 10)
	if err != nil || len(cs) != 1 {
		f.t.Fatalf("customer %q: %d found, %v", q, len(cs), err)
	}
	return cs[0]
}

func contains(t *testing.T, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("reply lacks %q:\n%s", w, got)
		}
	}
}

func TestDesignExamples(t *testing.T) {
	f := newFixture(t)
	contains(t, f.ok("add Siti Nurhaliza +60 12-345 6789 siti@example.my source=referral"),
		"Added Siti Nurhaliza", "+60 12-345 6789", "siti@example.my", "referral")
	contains(t, f.ok("add Tan Ah Kow 019-876 5432"), "Added Tan Ah Kow")
	contains(t, f.ok("add 陈大文 +86 138 0013 8000"), "Added 陈大文")

	contains(t, f.ok("find siti"), "Siti Nurhaliza")
	contains(t, f.ok("find 0123456789"), "Siti Nurhaliza")
	contains(t, f.ok("find 陈"), "陈大文")
	contains(t, f.ok("find Nurhalisa"), "Siti Nurhaliza")
	contains(t, f.ok("show Siti Nurhaliza"), "Siti Nurhaliza", "Log call")

	contains(t, f.ok("edit Siti: birthday=1990-03-14 hobby=golf company=Nur Trading"), "Nur Trading", "1990-03-14", "golf")
	siti := f.customer("siti")
	if siti.Birthday != "1990-03-14" || siti.Company != "Nur Trading" || len(siti.Hobbies) != 1 {
		t.Errorf("edit stored %+v", siti)
	}

	contains(t, f.ok("log Siti: called about the quotation, follow up next friday"), "Logged call", "2026-11-27 08:30")
	contains(t, f.ok("log visit Tan Ah Kow: demo done, wants 3 units"), "Logged visit", "Tan Ah Kow")
	contains(t, f.ok("sale Siti: 1250 MYR solar panel x3 card"), "RM 1,250.00", "Product: solar panel", "Quantity: 3", "card")
	contains(t, f.ok("sale Tan: 800 pump credit 30d"), "RM 800.00", "credit", "2026-12-23")
	contains(t, f.ok("complaint Siti: inverter stopped working after 2 weeks"), "Complaint #1")
	contains(t, f.ok("resolve 1: replaced the inverter, customer satisfied"), "#1 resolved", "replacement", "yes")
	contains(t, f.ok("remind Siti 2026-12-01 09:00: send new catalogue"), "2026-12-01 09:00")

	siti = f.customer("siti")
	if siti.Stats.Orders != 1 || siti.Stats.Spent["MYR"] != 125000 || siti.Stats.OpenComplaints != 0 || siti.Stats.Complaints != 1 {
		t.Errorf("derived figures: %+v", siti.Stats)
	}
	if len(siti.Recent) != 1 || siti.Recent[0].Kind != crm.KindCall || siti.Stats.LastContactAt.IsZero() {
		t.Errorf("recent contacts: %+v", siti.Recent)
	}
	tan := f.customer("tan")
	if tan.Stats.CreditDue != 80000 {
		t.Errorf("credit due = %d, want 80000", tan.Stats.CreditDue)
	}

	f.now = time.Date(2026, 11, 27, 9, 0, 0, 0, kl)
	contains(t, f.ok("followups"), "Siti Nurhaliza", "called about the quotation")
	contains(t, f.ok("followups all"), "Siti Nurhaliza")
	contains(t, f.ok("digest"), "Customers: 3")
	contains(t, f.ok("invite field"), "field staff")
	contains(t, f.ok("help log"), "follow up")
}

func TestAddRefusesDuplicate(t *testing.T) {
	f := newFixture(t)
	f.ok("add Siti Nurhaliza 0123456789 siti@example.my")
	rep := f.do("add Siti Binti Ali +60 12-345 6789")
	contains(t, rep.Plain(), "already has +60123456789", "force=yes", "Siti Nurhaliza")
	if n, _ := f.db.CountCustomers(context.Background()); n != 1 {
		t.Fatalf("%d customers after a duplicate add, want 1", n)
	}
	// The offered button adds anyway.
	var add string
	for _, b := range rep.Buttons() {
		if strings.HasSuffix(b.Command, "force=yes") {
			add = b.Command
		}
	}
	f.ok(add)
	if n, _ := f.db.CountCustomers(context.Background()); n != 2 {
		t.Fatalf("%d customers after add anyway, want 2", n)
	}
}

func TestAmbiguousNameOffersCandidates(t *testing.T) {
	f := newFixture(t)
	f.ok("add Siti Nurhaliza 0123456789")
	f.ok("add Siti Aminah 0198765432")
	rep := f.do("log Siti: called")
	bs := rep.Buttons()
	if rep.Error || len(bs) != 2 {
		t.Fatalf("want two candidates, got %s", rep.Plain())
	}
	contains(t, f.ok(bs[1].Command), "Logged")
	if got := f.customer("aminah"); len(got.Recent)+len(f.customer("nurhaliza").Recent) != 1 {
		t.Fatalf("the chosen candidate should have one interaction")
	}
}

// TestBadInput: each gets one sentence and an example where it helps, and writes nothing.
func TestBadInput(t *testing.T) {
	tests := []struct {
		name, line, want string
	}{
		{"EmptyAdd", "add", "Please give the customer's name"},
		{"PhoneWithLetters", "add Ali 012-34A-6789", "not a phone number"},
		{"EmailWithoutAt", "add Ali email=ali.example.my", "not an e-mail"},
		{"NegativeAmount", "sale Siti: -5 pump", "positive number"},
		{"NonNumericAmount", "sale Siti: lots pump", "positive number"},
		{"UnknownCurrency", "sale Siti: 100 XYZ pump", "currency \"XYZ\""},
		{"RemindInThePast", "remind Siti 2020-12-01 09:00: catalogue", "already past"},
		{"ResolveMissingComplaint", "resolve 99: fixed", "no complaint #99"},
		{"OperatorAsName", `find {"$gt":""}`, "No customer matches"},
		{"RegexAsName", "find .*", "No customer matches"},
		{"VeryLongLine", "log Siti: " + strings.Repeat("x", 20000), "too long"},
		{"InvalidUTF8", "add \xff\xfe", "not valid text"},
		{"UnknownField", "edit Siti: colour=red", "field \"colour\""},
		{"BadBirthday", "edit Siti: birthday=14th March", "not a date"},
		{"UnknownCommand", "frobnicate", "don't know the command"},
		{"BadLanguage", "lang klingon", "don't speak"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.ok("add Siti Nurhaliza 0123456789")
			before := f.customer("siti")
			rep := f.do(tt.line)
			contains(t, rep.Plain(), tt.want)
			if strings.Count(strings.TrimSpace(rep.Plain()), "\n") > 1 {
				t.Errorf("more than a sentence and an example:\n%s", rep.Plain())
			}
			after := f.customer("siti")
			if n, _ := f.db.CountCustomers(context.Background()); n != 1 || after.Stats.Orders != before.Stats.Orders || len(after.Recent) != 0 {
				t.Errorf("bad input wrote something: %d customers, %+v", n, after.Stats)
			}
		})
	}
}

func TestRoles(t *testing.T) {
	f := newFixture(t)
	rep := f.staff("telegram:42", crm.RoleField)
	for _, line := range []string{"digest", "followups all", "invite", "role telegram:42 admin"} {
		t.Run(line, func(t *testing.T) {
			got := f.as(rep, line)
			if !got.Error || !strings.Contains(got.Plain(), "Only managers") && !strings.Contains(got.Plain(), "admin") {
				t.Fatalf("field staff ran %q: %s", line, got.Plain())
			}
		})
	}
	t.Run("Stranger", func(t *testing.T) {
		got := f.h.Handle(context.Background(), handlers.Request{Text: "find siti"})
		if !got.Error || !strings.Contains(got.Plain(), "private") {
			t.Fatalf("stranger got %s", got.Plain())
		}
	})
}

func TestEnrollWithInvite(t *testing.T) {
	f := newFixture(t)
	code := inviteCode(f.ok("invite manager"))
	ctx := context.Background()
	s, err := f.h.Enroll(ctx, "telegram:7", "Aminah", "ms", code)
	if err != nil || s.Role != crm.RoleManager || s.Language != "ms" {
		t.Fatalf("enroll = %+v, %v", s, err)
	}
	if _, err := f.h.Enroll(ctx, "telegram:8", "Mallory", "en", code); crm.ErrorCode(err) != crm.ECONFLICT {
		t.Fatalf("reused code: %v, want conflict", err)
	}
	late := inviteCode(f.ok("invite"))
	f.now = f.now.Add(handlers.InviteTTL + time.Minute)
	if _, err := f.h.Enroll(ctx, "telegram:9", "Late", "en", late); crm.ErrorCode(err) != crm.EINVALID {
		t.Fatalf("expired code: %v, want invalid", err)
	}
	if _, err := f.h.Staff(ctx, "telegram:9"); crm.ErrorCode(err) != crm.ENOTFOUND {
		t.Fatalf("refused person is staff: %v", err)
	}
}

// inviteCode reads the code from an invite reply.
func inviteCode(text string) string {
	_, after, _ := strings.Cut(text, ": ")
	code, _, _ := strings.Cut(after, " ")
	return code
}

func TestLanguageSwitch(t *testing.T) {
	f := newFixture(t)
	f.ok("lang ms")
	got := f.ok("add Siti 0123456789")
	if strings.Contains(got, "Added") {
		t.Fatalf("reply still in English after lang ms: %s", got)
	}
}

func TestCatalogueComplete(t *testing.T) {
	en, err := handlers.Keys("en")
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range handlers.Languages[1:] {
		t.Run(lang, func(t *testing.T) {
			keys, err := handlers.Keys(lang)
			if err != nil {
				t.Fatal(err)
			}
			have := map[string]bool{}
			for _, k := range keys {
				have[k] = true
			}
			for _, k := range en {
				if !have[k] {
					t.Errorf("%s lacks %q", lang, k)
				}
			}
			if len(keys) != len(en) {
				t.Errorf("%s has %d keys, en %d", lang, len(keys), len(en))
			}
		})
	}
}

// TestDoneOnlyOwnReminder: a rep cannot close another rep's reminder by its
// id; the owner and a manager can.
func TestDoneOnlyOwnReminder(t *testing.T) {
	f := newFixture(t)
	ana := f.staff("telegram:201", crm.RoleRep)
	ben := f.staff("telegram:202", crm.RoleRep)
	boss := f.staff("telegram:203", crm.RoleManager)
	f.ok("add Siti Nurhaliza 0123456789")
	for range 2 {
		if rep := f.as(ana, "remind Siti 2026-12-01 09:00: send the catalogue"); rep.Error {
			t.Fatal(rep.Plain())
		}
	}
	rs, err := f.db.OpenReminders(context.Background(), ana.ID)
	if err != nil || len(rs) != 2 {
		t.Fatalf("ana's reminders: %v %v", rs, err)
	}
	if rep := f.as(ben, "done "+rs[0].ID); !rep.Error {
		t.Errorf("another rep closed ana's reminder: %s", rep.Plain())
	}
	if rep := f.as(ana, "done "+rs[0].ID); rep.Error {
		t.Errorf("ana could not close her own reminder: %s", rep.Plain())
	}
	if rep := f.as(boss, "done "+rs[1].ID); rep.Error {
		t.Errorf("a manager could not close ana's reminder: %s", rep.Plain())
	}
	if left, _ := f.db.OpenReminders(context.Background(), ana.ID); len(left) != 0 {
		t.Errorf("%d reminders left open, want 0", len(left))
	}
}

// TestStaffOff: a manager takes a field worker's access away; the worker's
// next request gets nothing, and their customers and reminders are the
// manager's now. Access comes back with staff on.
func TestStaffOff(t *testing.T) {
	f := newFixture(t)
	boss := f.staff("telegram:301", crm.RoleManager)
	amin := f.staff("telegram:302", crm.RoleField)
	for _, line := range []string{"add Siti Nurhaliza 0123456789", "add Tan Ah Kow 0198765432", "remind Siti 2026-12-01 09:00: bring the brochure"} {
		if rep := f.as(amin, line); rep.Error {
			t.Fatalf("%s: %s", line, rep.Plain())
		}
	}
	if rep := f.as(amin, "staff off telegram:301"); !rep.Error {
		t.Fatalf("field staff took a manager's access: %s", rep.Plain())
	}
	contains(t, f.as(boss, "staff").Plain(), "telegram:302", "field staff")
	if rep := f.as(boss, "staff off telegram:301"); !rep.Error {
		t.Errorf("a manager turned off their own access: %s", rep.Plain())
	}
	if rep := f.as(boss, "staff off telegram:1"); !rep.Error {
		t.Errorf("a manager turned off the admin: %s", rep.Plain())
	}
	contains(t, f.as(boss, "staff off telegram:302").Plain(), "can no longer use crmbot", "2 customer(s)", "1 open reminder(s)")

	// Transports look the sender up through Staff, which refuses them now;
	// a stale staff value handed to Handle is refused as well.
	if _, err := f.h.Staff(context.Background(), "telegram:302"); crm.ErrorCode(err) != crm.ENOTFOUND {
		t.Errorf("Staff of a former worker: %v, want not found", err)
	}
	amin.Active = false
	if rep := f.as(amin, "find siti"); !rep.Error || strings.Contains(rep.Plain(), "0123456789") {
		t.Errorf("a former worker was answered: %s", rep.Plain())
	}
	if c := f.customer("siti"); c.Owner != boss.ID {
		t.Errorf("Siti's owner is %s, want the manager %s", c.Owner, boss.ID)
	}
	if rs, _ := f.db.OpenReminders(context.Background(), boss.ID); len(rs) != 1 || rs[0].Text != "bring the brochure" {
		t.Errorf("the manager's reminders: %+v", rs)
	}
	if rs, _ := f.db.OpenReminders(context.Background(), amin.ID); len(rs) != 0 {
		t.Errorf("the former worker still has %d open reminders", len(rs))
	}
	list := f.as(boss, "staff")
	contains(t, list.Plain(), "Without access", "telegram:302")
	contains(t, f.as(boss, list.Buttons()[0].Command).Plain(), "can use crmbot again")
	if _, err := f.h.Staff(context.Background(), "telegram:302"); err != nil {
		t.Errorf("access not restored: %v", err)
	}
}

// TestHistory: who changed a customer and what they typed, newest first;
// changes to staff apart.
func TestHistory(t *testing.T) {
	f := newFixture(t)
	boss := f.staff("telegram:401", crm.RoleManager)
	f.ok("add Siti Nurhaliza 0123456789")
	f.now = f.now.Add(time.Hour)
	if rep := f.as(boss, "edit Siti: hobby=golf"); rep.Error {
		t.Fatal(rep.Plain())
	}
	f.ok("role telegram:401 admin")
	f.ok("log Siti: called about the quotation")
	f.ok("sale Siti: RM 1,250 solar panel card")
	f.ok("complaint Siti: inverter stopped working")
	f.ok("resolve 1: replaced the inverter, customer happy")
	got := f.as(boss, "history Siti").Plain()
	contains(t, got, "Changes to Siti Nurhaliza", "telegram:401", "edit Siti: hobby=golf", "add Siti Nurhaliza 0123456789",
		"log Siti: called about the quotation", "sale Siti: RM 1,250", "complaint Siti: inverter", "resolve 1: replaced")
	if strings.Index(got, "hobby=golf") > strings.Index(got, "add Siti") {
		t.Errorf("history not newest first:\n%s", got)
	}
	if strings.Contains(got, "role") {
		t.Errorf("a role change is listed under the customer:\n%s", got)
	}
	contains(t, f.as(boss, "history staff").Plain(), "role telegram:401 admin")
	// Asking (the list of candidates) changes nothing and records nothing.
	f.ok("add Siti Aminah 0198765432")
	f.ok("edit Siti: hobby=chess")
	if strings.Contains(f.as(boss, "history Siti Nurhaliza").Plain(), "chess") {
		t.Errorf("an edit that only asked which Siti was recorded")
	}
	if rep := f.as(f.staff("telegram:402", crm.RoleRep), "history Siti Nurhaliza"); !rep.Error {
		t.Errorf("a rep read the history: %s", rep.Plain())
	}
}

// TestHelpFitsOneMessage: the list of commands an admin sees fits one
// Telegram message (4096 characters) in every language; "help <command>"
// has the whole text.
func TestHelpFitsOneMessage(t *testing.T) {
	f := newFixture(t)
	for _, lang := range handlers.Languages {
		t.Run(lang, func(t *testing.T) {
			f.admin.Language = lang
			if n := len([]rune(f.ok("help"))); n > 4096 {
				t.Errorf("help is %d characters", n)
			}
		})
	}
	f.admin.Language = "en"
}
