package handlers_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/crmbot/crmbot/bot/console"
	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/handlers"
	"github.com/crmbot/crmbot/store"
)

// clock is the injected time of the scheduler tests; nothing sleeps for time.
type clock struct{ ns atomic.Int64 }

func (c *clock) Now() time.Time      { return time.Unix(0, c.ns.Load()).In(kl) }
func (c *clock) Set(t time.Time)     { c.ns.Store(t.UnixNano()) }
func (c *clock) Add(d time.Duration) { c.ns.Add(int64(d)) }
func at(day, hm string) time.Time {
	t, _ := time.ParseInLocation("2006-01-02 15:04", day+" "+hm, kl)
	return t
}
func newClock(t time.Time) *clock { c := &clock{}; c.Set(t); return c }
func (f *fake) texts() (out []string) {
	f.each(func(m sent) { out = append(out, m.rep.Plain()) })
	return
}
func (f *fake) each(fn func(m sent)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range f.got {
		fn(m)
	}
}
func (f *fake) count() int             { f.mu.Lock(); defer f.mu.Unlock(); return len(f.got) }
func (f *fake) refuse(id crm.Identity) { f.mu.Lock(); defer f.mu.Unlock(); f.refused[id] = true }
func (f *fake) last() handlers.Reply {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.got[len(f.got)-1].rep
}
func (f *fake) reset() { f.mu.Lock(); defer f.mu.Unlock(); f.got = nil }
func newFake() *fake   { return &fake{refused: map[crm.Identity]bool{}} }
func (f *fake) deliverers() *handlers.Deliverers {
	ds := &handlers.Deliverers{}
	ds.Register("telegram", f)
	ds.Register("slack", f)
	return ds
}

// fake is a platform that records what it accepted and refuses blocked chats.
type fake struct {
	mu      sync.Mutex
	got     []sent
	refused map[crm.Identity]bool
	// hold, when set, is called before accepting (a slow platform).
	hold func()
}

type sent struct {
	to  crm.Identity
	rep handlers.Reply
}

func (f *fake) Deliver(ctx context.Context, id crm.Identity, rep handlers.Reply) error {
	if f.hold != nil {
		f.hold()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.refused[id] {
		return errors.New("Forbidden: bot was blocked by the user")
	}
	f.got = append(f.got, sent{id, rep})
	return nil
}

// world is one database with staff and a clock, on which any number of
// scheduler instances run, each with its own store value.
type world struct {
	t     *testing.T
	tb    testing.TB
	name  string
	clock *clock
	db    *store.DB
	h     *handlers.Handler
	rep   *crm.Staff
	boss  *crm.Staff
}

func newWorld(t *testing.T, start time.Time) *world {
	t.Helper()
	w := &world{t: t, name: fmt.Sprintf("s%d", dbSeq.Add(1)), clock: newClock(start)}
	w.db, w.h = w.client()
	var err error
	if w.rep, err = w.db.EnsureStaff(context.Background(), &crm.Staff{Name: "Aisyah", Role: crm.RoleRep, Identities: []crm.Identity{"telegram:101"}}); err != nil {
		t.Fatal(err)
	}
	if w.boss, err = w.db.EnsureStaff(context.Background(), &crm.Staff{Name: "Boss", Role: crm.RoleManager, Identities: []crm.Identity{"slack:U1"}}); err != nil {
		t.Fatal(err)
	}
	return w
}

// client is another store client and handler on the world's database. On
// the embedded store every client shares the server's one connection
// (DESIGN §5); the claims are inserts, which decide on MongoDB too.
func (w *world) client() (*store.DB, *handlers.Handler) {
	tb := w.tb
	if tb == nil {
		tb = w.t
	}
	tb.Helper()
	db, err := server.Use(context.Background(), w.name)
	if err != nil {
		tb.Fatal(err)
	}
	cat, err := handlers.NewCatalog()
	if err != nil {
		tb.Fatal(err)
	}
	h, err := handlers.New(handlers.Config{Store: db, Catalog: cat, Now: w.clock.Now, Location: kl, Language: "en", DigestAt: "08:30"})
	if err != nil {
		tb.Fatal(err)
	}
	return db, h
}

func (w *world) scheduler(h *handlers.Handler, st crm.SchedulerStore, d handlers.Reacher, owner string) *handlers.Scheduler {
	w.t.Helper()
	s, err := h.NewScheduler(handlers.SchedulerConfig{Store: st, Deliver: d, Owner: owner, Now: w.clock.Now,
		QuietStart: "21:00", QuietEnd: "08:00", Lease: 2 * time.Minute, SendTimeout: 10 * time.Second})
	if err != nil {
		w.t.Fatal(err)
	}
	return s
}

func (w *world) as(s *crm.Staff, line string) string {
	w.t.Helper()
	rep := w.h.Handle(context.Background(), handlers.Request{Staff: s, Text: line})
	if rep.Error {
		w.t.Fatalf("%q refused: %s", line, rep.Plain())
	}
	return rep.Plain()
}

func tick(t *testing.T, s *handlers.Scheduler) {
	t.Helper()
	if err := s.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestNudgeFiresOnceAtItsTime(t *testing.T) {
	w := newWorld(t, at("2026-11-23", "10:00"))
	w.as(w.rep, "add Siti Nurhaliza +60 12-345 6789")
	w.as(w.rep, "log Siti: called about the quotation")
	w.as(w.rep, "remind Siti 2026-11-23 22:15: send the catalogue")
	w.as(w.rep, "remind Siti 2026-11-24: confirm the order") // date only: due 08:30
	f := newFake()
	s := w.scheduler(w.h, w.db, f.deliverers(), "a")

	w.clock.Set(at("2026-11-23", "22:14"))
	tick(t, s)
	if f.count() != 0 {
		t.Fatalf("sent before its time: %v", f.texts())
	}
	t.Run("ExplicitTimeInQuietHours", func(t *testing.T) {
		w.clock.Set(at("2026-11-23", "22:15"))
		tick(t, s)
		tick(t, s)
		if f.count() != 1 {
			t.Fatalf("%d messages at 22:15, want 1: %v", f.count(), f.texts())
		}
		contains(t, f.last().Plain(), "Follow-up: Siti Nurhaliza", "send the catalogue", "Last contact", "called about the quotation",
			"Done", "Snooze a day", "Snooze a week", "Open customer")
		var cmds []string
		for _, b := range f.last().Buttons() {
			cmds = append(cmds, b.Command)
			if len(b.Command) > 64 {
				t.Errorf("button command %q longer than Telegram's 64 bytes", b.Command)
			}
		}
		contains(t, strings.Join(cmds, "|"), "done ", " tomorrow", " next week", "show #")
		if f.got[0].to != "telegram:101" {
			t.Errorf("sent to %s, want the rep who set it", f.got[0].to)
		}
	})
	t.Run("DateOnlyAtDigestTime", func(t *testing.T) {
		w.clock.Set(at("2026-11-24", "08:29"))
		tick(t, s)
		if f.count() != 1 {
			t.Fatalf("date-only reminder sent early")
		}
		w.clock.Set(at("2026-11-24", "08:30"))
		tick(t, s)
		w.clock.Add(time.Hour)
		tick(t, s)
		nudges := 0
		for _, x := range f.texts() {
			if strings.Contains(x, "confirm the order") {
				nudges++
			}
		}
		if nudges != 1 {
			t.Fatalf("date-only reminder sent %d times, want 1", nudges)
		}
	})
}

func TestQuietHoursHoldAutomaticNudges(t *testing.T) {
	// Digest time inside quiet hours: a date-only reminder waits for 08:00.
	w := newWorld(t, at("2026-11-23", "10:00"))
	cat, _ := handlers.NewCatalog()
	h, err := handlers.New(handlers.Config{Store: w.db, Catalog: cat, Now: w.clock.Now, Location: kl, DigestAt: "07:00"})
	if err != nil {
		t.Fatal(err)
	}
	if rep := h.Handle(context.Background(), handlers.Request{Staff: w.rep, Text: "add Tan Ah Kow 019-876 5432"}); rep.Error {
		t.Fatal(rep.Plain())
	}
	h.Handle(context.Background(), handlers.Request{Staff: w.rep, Text: "remind Tan 2026-11-24: bring samples"})
	f := newFake()
	s := w.scheduler(h, w.db, f.deliverers(), "a")
	w.clock.Set(at("2026-11-24", "07:00"))
	tick(t, s)
	w.clock.Set(at("2026-11-24", "07:59"))
	tick(t, s)
	if f.count() != 0 {
		t.Fatalf("automatic nudge sent in quiet hours: %v", f.texts())
	}
	w.clock.Set(at("2026-11-24", "08:00"))
	tick(t, s)
	if got := strings.Join(f.texts(), "\n"); !strings.Contains(got, "bring samples") {
		t.Fatalf("held nudge not sent when quiet hours ended: %q", got)
	}
}

func TestSnoozeAndDoneButtons(t *testing.T) {
	w := newWorld(t, at("2026-11-23", "10:00"))
	w.as(w.rep, "add Siti Nurhaliza +60 12-345 6789")
	w.as(w.rep, "remind Siti 2026-11-23 15:00: call back")
	w.as(w.rep, "remind Siti 2026-11-23 16:00: second thing")
	f := newFake()
	s := w.scheduler(w.h, w.db, f.deliverers(), "a")
	w.clock.Set(at("2026-11-23", "15:00"))
	tick(t, s)
	if f.count() != 1 {
		t.Fatalf("%d nudges at 15:00", f.count())
	}
	// Snooze a day: pressed as the rep, it comes back tomorrow, once.
	snooze := f.last().Buttons()[1].Command
	contains(t, w.as(w.rep, snooze), "moved to 2026-11-24")
	// Done on the second one before it is due: it never fires.
	rs, _ := w.db.OpenReminders(context.Background(), w.rep.ID)
	for _, r := range rs {
		if r.Text == "second thing" {
			w.as(w.rep, "done "+r.ID)
		}
	}
	w.clock.Set(at("2026-11-23", "16:00"))
	tick(t, s)
	if f.count() != 1 {
		t.Fatalf("a done reminder was nudged: %v", f.texts())
	}
	w.clock.Set(at("2026-11-24", "15:00"))
	tick(t, s)
	w.clock.Add(time.Minute)
	tick(t, s)
	if f.count() != 2 || !strings.Contains(f.last().Plain(), "call back") {
		t.Fatalf("snoozed reminder: %d messages %v", f.count(), f.texts())
	}
	// Done from the nudge's button.
	contains(t, w.as(w.rep, f.last().Buttons()[0].Command), "marked done")
}

// TestCareRun seeds one customer per kind of care reminder and checks each
// fires once, at the digest time, to the owner, with a message ready.
func TestCareRun(t *testing.T) {
	ctx := context.Background()
	start := at("2026-08-01", "10:00")
	w := newWorld(t, start)
	// Customers are created through the store with the test's clock (the
	// add command leaves the creation time to the store's real clock).
	add := func(line string) *crm.Customer {
		f := strings.Fields(line)
		c := &crm.Customer{Name: f[1], Phones: []string{f[2]}, Owner: w.rep.ID, CreatedBy: w.rep.ID, CreatedAt: w.clock.Now()}
		if err := w.db.CreateCustomer(ctx, c, false); err != nil {
			t.Fatal(err)
		}
		if len(f) > 3 {
			w.as(w.rep, "edit "+f[1]+": "+strings.Join(f[3:], " "))
		}
		return c
	}
	day := "2026-11-23"
	// Created long ago; each contacted at a chosen time.
	add("add Birthday +60111111111 birthday=1990-11-23 email=bday@example.my lang=ms")
	add("add Soon +60111111112 birthday=26/11/1985")
	add("add Family +60111111113 family=Aminah wife 1992-11-23")
	w.clock.Set(at(day, "10:00").AddDate(0, 0, -90))
	add("add Quiet +60111111114")
	w.clock.Set(at(day, "10:00").AddDate(0, 0, -30))
	high := add("add Highval +60111111115")
	w.as(w.rep, "sale Highval: 10000 MYR generator card")
	w.as(w.rep, "sale Highval: 10000 MYR generator card")
	w.clock.Set(at(day, "10:00").AddDate(0, 0, -27))
	add("add Creditor +60111111116")
	w.as(w.rep, "sale Creditor: 800 MYR pump credit 30d")
	w.clock.Set(at(day, "10:00").AddDate(0, 0, -31))
	add("add Overdue +60111111117")
	w.as(w.rep, "sale Overdue: 500 MYR pump credit 30d")
	w.clock.Set(at(day, "10:00").AddDate(0, 0, -3))
	add("add Complainer +60111111118")
	w.as(w.rep, "complaint Complainer: inverter broke")
	// A repeat buyer every 10 days, last 17 days ago: 7 days past due.
	w.clock.Set(at(day, "10:00").AddDate(0, 0, -37))
	add("add Repeat +60111111119")
	for _, back := range []int{37, 27, 17} {
		w.clock.Set(at(day, "10:00").AddDate(0, 0, -back))
		w.as(w.rep, "sale Repeat: 50 MYR filter cash")
		w.as(w.rep, "log Repeat: delivered filter")
	}
	// Everyone but Quiet and Highval was contacted this week.
	w.clock.Set(at(day, "07:00").AddDate(0, 0, -1))
	for _, n := range []string{"Birthday", "Soon", "Family", "Creditor", "Overdue", "Complainer", "Repeat"} {
		w.as(w.rep, "log "+n+": checked in")
	}
	if c, _ := w.db.Customer(ctx, high.ID); c.Stats.Tier != crm.TierHigh {
		t.Fatalf("high-value customer has tier %s", c.Stats.Tier)
	}

	f := newFake()
	s := w.scheduler(w.h, w.db, f.deliverers(), "a")
	w.clock.Set(at(day, "08:29"))
	tick(t, s)
	if f.count() != 0 {
		t.Fatalf("care run before the digest time: %v", f.texts())
	}
	w.clock.Set(at(day, "08:30"))
	tick(t, s)
	var repText, bossText string
	f.each(func(m sent) {
		if m.to == "telegram:101" {
			repText += m.rep.Plain()
		} else {
			bossText += m.rep.Plain()
		}
	})
	contains(t, repText,
		"Birthday — birthday today", "Selamat hari jadi, Birthday!", "https://wa.me/60111111111?text=Selamat%20hari%20jadi",
		"mailto:bday@example.my?subject=", "Soon — birthday in 3 days (2026-11-26)",
		"Family — Aminah's birthday today", "Quiet — no contact for 90 days",
		"Highval — high-value customer, no contact for 30 days",
		"Creditor — RM 800.00 on credit due in 3 days", "Overdue — RM 500.00 on credit overdue by 1 days",
		"Complainer — complaint #1 open for 2 days", "Repeat — past the usual time to reorder",
	)
	contains(t, bossText, "Complainer — complaint #1", "Digest for 2026-11-23")
	for _, want := range []string{"Birthday —", "Quiet —", "Highval —"} {
		if n := strings.Count(repText, want); n != 1 {
			t.Errorf("%q appears %d times, want once", want, n)
		}
	}
	t.Run("NotTwiceTheSameDay", func(t *testing.T) {
		n := f.count()
		w.clock.Set(at(day, "12:00"))
		tick(t, s)
		s2 := w.scheduler(w.h, w.db, f.deliverers(), "b") // a second replica, same day
		tick(t, s2)
		if f.count() != n {
			t.Fatalf("care run repeated on the same day: %d → %d", n, f.count())
		}
	})
	t.Run("NoStaleBirthdayNextYear", func(t *testing.T) {
		w.as(w.rep, "edit Birthday: birthday=1990-12-05")
		f.reset()
		w.clock.Set(at("2027-11-23", "08:30"))
		tick(t, s)
		if got := strings.Join(f.texts(), "\n"); strings.Contains(got, "Birthday — birthday") {
			t.Fatalf("stale birthday nudged next year:\n%s", got)
		}
	})
}

// TestThreeSchedulersExactlyOnce is RELIABILITY test 1: three instances,
// each with its own store client, race over the same due nudges.
func TestThreeSchedulersExactlyOnce(t *testing.T) {
	w := newWorld(t, at("2026-11-23", "09:00"))
	w.as(w.rep, "add Siti Nurhaliza +60 12-345 6789")
	const m = 30
	for i := 0; i < m; i++ {
		w.as(w.rep, fmt.Sprintf("remind Siti 2026-11-23 15:%02d: task %d", i, i))
	}
	f := newFake()
	var ss []*handlers.Scheduler
	for i := 0; i < 3; i++ {
		db, h := w.client()
		ss = append(ss, w.scheduler(h, db, f.deliverers(), fmt.Sprint("replica", i)))
	}
	w.clock.Set(at("2026-11-23", "16:00"))
	var wg sync.WaitGroup
	for _, s := range ss {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				if err := s.Tick(context.Background()); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	seen := map[string]int{}
	for _, x := range f.texts() {
		for i := 0; i < m; i++ {
			if strings.Contains(x, fmt.Sprintf("task %d\n", i)) {
				seen[fmt.Sprint(i)]++
			}
		}
	}
	if f.count() != m || len(seen) != m {
		t.Fatalf("%d messages for %d distinct nudges, want %d and %d", f.count(), len(seen), m, m)
	}
}

// TestKilledInstanceRecovered is RELIABILITY test 2: an instance claims and
// dies before sending; once the lease lapses another sends it, attempt 2.
func TestKilledInstanceRecovered(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, at("2026-11-23", "09:00"))
	w.as(w.rep, "add Siti Nurhaliza +60 12-345 6789")
	w.as(w.rep, "remind Siti 2026-11-23 15:00: call back")
	// The dead instance: it planned and claimed, then nothing more.
	w.clock.Set(at("2026-11-23", "15:00"))
	rs, _ := w.db.DueReminders(ctx, w.clock.Now().Add(-time.Hour), w.clock.Now().Add(time.Second))
	id := "nudge:" + rs[0].ID + ":" + rs[0].DueAt.UTC().Format("20060102T1504Z")
	w.db.PlanDelivery(ctx, &crm.Delivery{ID: id, Kind: crm.DeliveryNudge, Staff: w.rep.ID, DueAt: rs[0].DueAt, Reminder: rs[0].ID})
	w.db.Unlist(ctx, rs[0])
	if _, err := w.db.ClaimDelivery(ctx, id, "dead", w.clock.Now(), 2*time.Minute, 8); err != nil {
		t.Fatal(err)
	}
	f := newFake()
	db, h := w.client()
	s := w.scheduler(h, db, f.deliverers(), "survivor")
	w.clock.Add(time.Minute)
	tick(t, s)
	if f.count() != 0 {
		t.Fatal("sent while the dead instance's lease was live")
	}
	w.clock.Add(90 * time.Second)
	tick(t, s)
	tick(t, s)
	if f.count() != 1 {
		t.Fatalf("%d messages after the lease lapsed, want 1", f.count())
	}
	d, _ := w.db.Delivery(ctx, id)
	if d.State != crm.StateSent || d.Attempts != 2 {
		t.Fatalf("delivery %+v, want sent on attempt 2", d)
	}
}

// stallStore is a store client that stops in Customer until released: a
// replica stuck in a slow read.
type stallStore struct {
	*store.DB
	stalled chan struct{}
	release chan struct{}
	once    sync.Once
}

func (s *stallStore) Customer(ctx context.Context, id crm.CustomerID) (*crm.Customer, error) {
	s.once.Do(func() {
		close(s.stalled)
		<-s.release
	})
	return s.DB.Customer(ctx, id)
}

// TestSlowInstanceFenced is RELIABILITY test 4: a replica outlives its
// lease while another takes over; the slow one neither sends nor marks.
func TestSlowInstanceFenced(t *testing.T) {
	w := newWorld(t, at("2026-11-23", "09:00"))
	w.as(w.rep, "add Siti Nurhaliza +60 12-345 6789")
	w.as(w.rep, "remind Siti 2026-11-23 15:00: call back")
	w.clock.Set(at("2026-11-23", "15:00"))

	slowDB, _ := w.client()
	stall := &stallStore{DB: slowDB, stalled: make(chan struct{}), release: make(chan struct{})}
	cat, _ := handlers.NewCatalog()
	slowH, _ := handlers.New(handlers.Config{Store: stall, Catalog: cat, Now: w.clock.Now, Location: kl, DigestAt: "08:30"})
	slowFake, fastFake := newFake(), newFake()
	slow := w.scheduler(slowH, stall, slowFake.deliverers(), "slow")
	done := make(chan error)
	go func() { done <- slow.Tick(context.Background()) }()
	<-stall.stalled

	w.clock.Add(3 * time.Minute) // past the slow one's lease
	fastDB, fastH := w.client()
	tick(t, w.scheduler(fastH, fastDB, fastFake.deliverers(), "fast"))
	close(stall.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if slowFake.count() != 0 || fastFake.count() != 1 {
		t.Fatalf("slow sent %d, fast sent %d; want 0 and 1", slowFake.count(), fastFake.count())
	}
}

// shutdownStore cancels the tick's context during the fence check: a stop
// that arrives between the claim and the send.
type shutdownStore struct {
	*store.DB
	cancel context.CancelFunc
}

func (s *shutdownStore) Current(ctx context.Context, c crm.Claim) (bool, error) {
	s.cancel()
	return s.DB.Current(ctx, c)
}

// TestShutdownReleasesClaims is RELIABILITY test 5: work claimed but not
// started is given back at once, not after the lease.
func TestShutdownReleasesClaims(t *testing.T) {
	w := newWorld(t, at("2026-11-23", "09:00"))
	w.as(w.rep, "add Siti Nurhaliza +60 12-345 6789")
	w.as(w.rep, "remind Siti 2026-11-23 15:00: call back")
	w.clock.Set(at("2026-11-23", "15:00"))
	ctx, cancel := context.WithCancel(context.Background())
	db, h := w.client()
	f := newFake()
	stopping := w.scheduler(h, &shutdownStore{DB: db, cancel: cancel}, f.deliverers(), "stopping")
	stopping.Tick(ctx)
	if f.count() != 0 {
		t.Fatal("sent after the stop")
	}
	other := w.scheduler(w.h, w.db, f.deliverers(), "other")
	tick(t, other) // same instant: no waiting for the lease
	if f.count() != 1 {
		t.Fatalf("%d messages from the other replica, want 1", f.count())
	}
}

func TestRefusedPlatformAndStaffWhoLeft(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, at("2026-11-23", "09:00"))
	w.as(w.rep, "add Siti Nurhaliza +60 12-345 6789")
	w.as(w.rep, "remind Siti 2026-11-23 15:00: call back")
	f := newFake()
	f.refuse("telegram:101") // the rep blocked the bot
	s := w.scheduler(w.h, w.db, f.deliverers(), "a")
	w.clock.Set(at("2026-11-23", "15:00"))
	for i := 1; i <= 8; i++ {
		tick(t, s)
		w.clock.Add(handlers.Backoff(i, 1) + time.Second)
	}
	tick(t, s)
	ds, _ := w.db.PendingDeliveries(ctx, w.clock.Now().Add(24*time.Hour), 10)
	if f.count() != 0 || len(ds) != 0 {
		t.Fatalf("refused chat: %d sent, %d still pending; want 0 and 0 (dead after 8 attempts)", f.count(), len(ds))
	}

	t.Run("LeftStaffGoesToManager", func(t *testing.T) {
		w.as(w.rep, "remind Siti 2026-11-24 16:00: quote")
		if _, err := w.db.Database().Collection("staff").UpdateOne(ctx, bson.D{{Key: "_id", Value: string(w.rep.ID)}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "active", Value: false}}}}); err != nil {
			t.Fatal(err)
		}
		w.clock.Set(at("2026-11-24", "16:00"))
		tick(t, s)
		if f.count() != 1 || f.got[0].to != "slack:U1" {
			t.Fatalf("nudge of a staff member who left: %d sent, %+v", f.count(), f.got)
		}
		contains(t, f.last().Plain(), "For Aisyah, who is no longer with the team", "quote")
	})
}

func TestDeliveryThroughConsole(t *testing.T) {
	w := newWorld(t, at("2026-11-23", "09:00"))
	admin, err := w.db.EnsureStaff(context.Background(), &crm.Staff{Name: "Console", Role: crm.RoleAdmin, Identities: []crm.Identity{console.Identity}})
	if err != nil {
		t.Fatal(err)
	}
	w.as(admin, "add Siti Nurhaliza +60 12-345 6789")
	w.as(admin, "remind Siti 2026-11-23 15:00: call back")
	var out bytes.Buffer
	con := console.New(w.h, strings.NewReader(""), &out, "")
	ds := &handlers.Deliverers{}
	ds.Register("console", con)
	s := w.scheduler(w.h, w.db, ds, "a")
	w.clock.Set(at("2026-11-23", "15:00"))
	tick(t, s)
	contains(t, out.String(), "Follow-up: Siti Nurhaliza", "call back", "[1] Done")
}

func TestDigestCommand(t *testing.T) {
	w := newWorld(t, at("2026-11-22", "10:00"))
	if err := w.db.CreateCustomer(context.Background(), &crm.Customer{Name: "Siti Nurhaliza", Owner: w.rep.ID, CreatedBy: w.rep.ID, CreatedAt: w.clock.Now()}, false); err != nil {
		t.Fatal(err)
	}
	w.as(w.rep, "log call Siti: quotation")
	w.as(w.rep, "sale Siti: 15000 MYR solar farm card")
	w.as(w.rep, "sale Siti: 15000 MYR solar farm card")
	w.as(w.rep, "complaint Siti: late delivery")
	w.clock.Set(at("2026-11-23", "09:00"))
	rep := w.h.Handle(context.Background(), handlers.Request{Staff: w.boss, Text: "digest"})
	if rep.Error {
		t.Fatal(rep.Plain())
	}
	text := rep.Plain()
	contains(t, text, "Digest for 2026-11-23", "Yesterday (2026-11-22)", "Aisyah: calls 1 · visits 0 · sales 2 · new customers 1",
		"1 opened, 0 resolved", "Top customers by value", "1. Siti Nurhaliza: RM 30,000.00", "High-value customers at risk", "Lost customers")
	var img *handlers.Image
	for _, b := range rep.Blocks {
		if b.Image != nil {
			img = b.Image
		}
	}
	if img == nil || !bytes.HasPrefix(img.PNG, []byte("\x89PNG")) || img.Alt == "" {
		t.Fatal("digest chart missing or without its caption")
	}
	if r := w.h.Handle(context.Background(), handlers.Request{Staff: w.rep, Text: "digest"}); !r.Error {
		t.Error("a rep got the managers' digest")
	}
}

// TestBackoff is RELIABILITY test 7: n⁴ seconds, ±10% jitter, an hour's cap.
func TestBackoff(t *testing.T) {
	tests := []struct {
		attempt int
		jitter  float64
		want    time.Duration
	}{
		{1, 0, time.Second},
		{2, 0, 16 * time.Second},
		{3, 0, 81 * time.Second},
		{4, 0, 256 * time.Second},
		{5, 1, 687500 * time.Millisecond}, // 625 s + 10%
		{5, -1, 562500 * time.Millisecond},
		{7, 0, 2401 * time.Second},
		{8, 0, time.Hour},              // 4096 s capped
		{1 << 30, 5, 66 * time.Minute}, // no overflow; jitter clamped to +10%
		{0, 0, time.Second},            // attempts count from 1
		{-3, -1, 900 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := handlers.Backoff(tt.attempt, tt.jitter); got != tt.want {
			t.Errorf("Backoff(%d, %v) = %s, want %s", tt.attempt, tt.jitter, got, tt.want)
		}
	}
}

// TestRunStopsWithContext drives Run with tick signals, not time.
func TestRunStopsWithContext(t *testing.T) {
	w := newWorld(t, at("2026-11-23", "09:00"))
	w.as(w.rep, "add Siti Nurhaliza +60 12-345 6789")
	w.as(w.rep, "remind Siti 2026-11-23 15:00: call back")
	f := newFake()
	ticks := make(chan time.Time)
	s, err := w.h.NewScheduler(handlers.SchedulerConfig{Store: w.db, Deliver: f.deliverers(), Now: w.clock.Now, Ticks: ticks})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	w.clock.Set(at("2026-11-23", "15:00"))
	ticks <- time.Time{} // the first tick ran before; this wakes the second
	ticks <- time.Time{} // and this one waits until the second finished
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if f.count() != 1 {
		t.Fatalf("%d messages, want 1", f.count())
	}
}

// deliverFunc is a Deliverer of a test's making.
type deliverFunc func(ctx context.Context, id crm.Identity, rep handlers.Reply) error

func (f deliverFunc) Deliver(ctx context.Context, id crm.Identity, rep handlers.Reply) error {
	return f(ctx, id, rep)
}

// TestReachStopsAfterAPart: once a platform took part of a reply, Reach
// does not show the person the whole reply again on their next platform.
func TestReachStopsAfterAPart(t *testing.T) {
	var slackCalls int
	ds := &handlers.Deliverers{}
	ds.Register("telegram", deliverFunc(func(context.Context, crm.Identity, handlers.Reply) error {
		return fmt.Errorf("part 2: %w", handlers.ErrPartlyDelivered)
	}))
	ds.Register("slack", deliverFunc(func(context.Context, crm.Identity, handlers.Reply) error { slackCalls++; return nil }))
	s := &crm.Staff{ID: "s1", Identities: []crm.Identity{"telegram:1", "slack:U1"}}
	via, err := ds.Reach(context.Background(), s, handlers.Text("digest"))
	if !errors.Is(err, handlers.ErrPartlyDelivered) || via != "telegram:1" || slackCalls != 0 {
		t.Errorf("Reach = %q, %v, with %d Slack calls; want telegram:1, partly delivered, none", via, err, slackCalls)
	}
	// A platform that took nothing is passed over for the next one.
	ds.Register("telegram", deliverFunc(func(context.Context, crm.Identity, handlers.Reply) error {
		return errors.New("bot was blocked by the user")
	}))
	if via, err := ds.Reach(context.Background(), s, handlers.Text("digest")); err != nil || via != "slack:U1" || slackCalls != 1 {
		t.Errorf("Reach = %q, %v; want slack:U1", via, err)
	}
}
