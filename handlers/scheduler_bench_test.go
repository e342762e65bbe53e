package handlers_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/handlers"
)

// seedCustomers bulk-inserts n customers and the index documents the store
// keeps for them (md:, lc:, tier:high), straight through the driver: going
// through CreateCustomer would take minutes on the embedded store.
func seedCustomers(b *testing.B, w *world, n int, staff []crm.StaffID) {
	ctx := context.Background()
	db := w.db.Database()
	now := w.clock.Now()
	keys := map[string][]string{}
	start := time.Now()
	batch := make([]any, 0, 1000)
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("c%06d", i)
		bday := time.Date(1980+i%30, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%365)
		last := now.AddDate(0, 0, -(i % 400)).Add(-time.Hour)
		// Tiers as the rules give them, so the daily run's first full
		// recompute (handlers/tiers.go) reads every customer but moves none.
		st := crm.Stats{LastContactAt: last, LastOrderAt: last, Orders: 3, Spent: map[string]int64{"MYR": int64(i%200) * 100_00}}
		st.Tier = crm.DefaultTierRules.Tier(st, now)
		if st.Tier == crm.TierHigh {
			keys["tier:high"] = append(keys["tier:high"], id)
		}
		c := crm.Customer{Name: fmt.Sprintf("Customer %d", i), Phones: []string{fmt.Sprintf("+6012%07d", i)},
			Emails: []string{fmt.Sprintf("c%d@example.my", i)}, Owner: staff[i%len(staff)], CreatedAt: now.AddDate(-2, 0, 0),
			Birthday: crm.Date(bday.Format("2006-01-02")), Language: handlers.Languages[i%6], Stats: st}
		keys["md:"+bday.Format("01-02")] = append(keys["md:"+bday.Format("01-02")], id)
		keys["lc:"+last.UTC().Format("2006-01-02")] = append(keys["lc:"+last.UTC().Format("2006-01-02")], id)
		raw, err := bson.Marshal(c)
		if err != nil {
			b.Fatal(err)
		}
		var d bson.D
		bson.Unmarshal(raw, &d)
		batch = append(batch, append(bson.D{{Key: "_id", Value: id}}, d...))
		if len(batch) == cap(batch) || i == n-1 {
			if _, err := db.Collection("customers").InsertMany(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	var kd []any
	for k, ids := range keys {
		kd = append(kd, bson.D{{Key: "_id", Value: k}, {Key: "ids", Value: ids}})
	}
	if _, err := db.Collection("keys").InsertMany(ctx, kd); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d customers and %d index documents in %s", n, len(kd), time.Since(start).Round(time.Millisecond))
}

// BenchmarkCareRun100k: the daily care computation over 100,000 customers
// on the embedded store (target under 5 s).
func BenchmarkCareRun100k(b *testing.B) {
	ctx := context.Background()
	w := newBenchWorld(b, at("2026-11-23", "08:30"))
	var staff []crm.StaffID
	for i := 0; i < 20; i++ {
		s, err := w.db.EnsureStaff(ctx, &crm.Staff{Name: fmt.Sprint("rep", i), Role: crm.RoleRep, Identities: []crm.Identity{crm.Identity(fmt.Sprint("telegram:", 1000+i))}})
		if err != nil {
			b.Fatal(err)
		}
		staff = append(staff, s.ID)
	}
	seedCustomers(b, w, benchCustomers, staff)
	f := newFake()
	s, err := w.h.NewScheduler(handlers.SchedulerConfig{Store: w.db, Deliver: f.deliverers(), Now: w.clock.Now})
	if err != nil {
		b.Fatal(err)
	}
	// The first run also recomputes every tier (no rules recorded yet).
	start := time.Now()
	if _, err := s.PlanCare(ctx, "2026-11-23"); err != nil {
		b.Fatal(err)
	}
	b.Logf("first care run, with every customer's tier recomputed: %s", time.Since(start).Round(time.Millisecond))
	b.ResetTimer()
	var n int
	for i := 0; i < b.N; i++ {
		if n, err = s.PlanCare(ctx, "2026-11-23"); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	d, _ := w.db.Delivery(ctx, "care:"+string(staff[0])+":2026-11-23:contact")
	items := 0
	if d != nil {
		items = len(d.Items)
	}
	b.ReportMetric(float64(n), "lists")
	start = time.Now()
	if err := s.Tick(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("care run planned %d lists (%d contact items for one rep); sending them all took %s, %d messages",
		n, items, time.Since(start).Round(time.Millisecond), f.count())
}

// telegramLimits is a fake Telegram that enforces its limits on a virtual
// clock: 30 messages a second overall and 1 a second per chat. A message
// that would break them waits, in virtual time, so the benchmark measures
// our side at full speed and reports how long Telegram would take.
type telegramLimits struct {
	mu      sync.Mutex
	vnow    time.Duration
	perChat map[crm.Identity]time.Duration
	recent  []time.Duration // send times of the last 30 messages
	seen    map[string]int
	total   int
}

func (tg *telegramLimits) Deliver(ctx context.Context, id crm.Identity, rep handlers.Reply) error {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	at := tg.vnow
	if last, ok := tg.perChat[id]; ok && at < last+time.Second {
		at = last + time.Second
	}
	if len(tg.recent) == 30 && at < tg.recent[0]+time.Second {
		at = tg.recent[0] + time.Second
	}
	tg.vnow = at
	tg.perChat[id] = at
	tg.recent = append(tg.recent, at)
	if len(tg.recent) > 30 {
		tg.recent = tg.recent[1:]
	}
	for _, b := range rep.Buttons() {
		if strings.HasPrefix(b.Command, "done ") {
			tg.seen[b.Command]++
		}
	}
	tg.total++
	return nil
}

// BenchmarkNudges10k: 10,000 due follow-ups to 200 staff through a fake
// enforcing Telegram's limits; zero lost, zero doubled.
func BenchmarkNudges10k(b *testing.B) {
	n, chats := benchNudges, 200
	for i := 0; i < b.N; i++ {
		ctx := context.Background()
		w := newBenchWorld(b, at("2026-11-23", "15:00"))
		var staff []crm.StaffID
		for i := 0; i < chats; i++ {
			s, err := w.db.EnsureStaff(ctx, &crm.Staff{Name: fmt.Sprint("rep", i), Role: crm.RoleRep, Identities: []crm.Identity{crm.Identity(fmt.Sprint("telegram:", 1000+i))}})
			if err != nil {
				b.Fatal(err)
			}
			staff = append(staff, s.ID)
		}
		start := time.Now()
		var docs []any
		var ids []string
		due := w.clock.Now().Add(-time.Minute)
		for j := 0; j < n; j++ {
			id := fmt.Sprintf("r%05d", j)
			ids = append(ids, id)
			raw, _ := bson.Marshal(crm.Reminder{Staff: staff[j%chats], CustomerID: "gone", Customer: "Customer", DueAt: due, Text: "call back", CreatedAt: due})
			var d bson.D
			bson.Unmarshal(raw, &d)
			docs = append(docs, append(bson.D{{Key: "_id", Value: id}}, d...))
		}
		if _, err := w.db.Database().Collection("reminders").InsertMany(ctx, docs); err != nil {
			b.Fatal(err)
		}
		if _, err := w.db.Database().Collection("keys").InsertOne(ctx, bson.D{{Key: "_id", Value: "due:" + due.UTC().Format("2006-01-02")}, {Key: "ids", Value: ids}}); err != nil {
			b.Fatal(err)
		}
		b.Logf("seeded %d reminders in %s", n, time.Since(start).Round(time.Millisecond))
		tg := &telegramLimits{perChat: map[crm.Identity]time.Duration{}, seen: map[string]int{}}
		ds := &handlers.Deliverers{}
		ds.Register("telegram", tg)
		s, err := w.h.NewScheduler(handlers.SchedulerConfig{Store: w.db, Deliver: ds, Now: w.clock.Now, Batch: n, Workers: 8})
		if err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		b.StartTimer()
		for k := 0; k < 5 && tg.total < n; k++ {
			if err := s.Tick(ctx); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		doubled := 0
		for _, c := range tg.seen {
			if c > 1 {
				doubled++
			}
		}
		b.Logf("%d nudges: %d delivered, %d distinct, %d doubled, %d lost; %s real, %s on Telegram's clock",
			n, tg.total, len(tg.seen), doubled, n-len(tg.seen), time.Since(start).Round(time.Millisecond), tg.vnow)
		if len(tg.seen) != n || doubled != 0 {
			b.Fatalf("lost %d, doubled %d", n-len(tg.seen), doubled)
		}
	}
}

// newBenchWorld is newWorld for benchmarks.
func newBenchWorld(b *testing.B, start time.Time) *world {
	b.Helper()
	w := &world{name: fmt.Sprintf("b%d", dbSeq.Add(1)), clock: newClock(start)}
	w.tb = b
	w.db, w.h = w.client()
	return w
}

// benchNudges is the nudge benchmark's size; CRM_BENCH_NUDGES overrides it.
var benchNudges = envInt("CRM_BENCH_NUDGES", 10_000)

// benchCustomers is the care benchmark's size; CRM_BENCH_CUSTOMERS overrides it.
var benchCustomers = envInt("CRM_BENCH_CUSTOMERS", 100_000)

func envInt(name string, def int) int {
	var n int
	if _, err := fmt.Sscan(os.Getenv(name), &n); err != nil || n <= 0 {
		return def
	}
	return n
}
