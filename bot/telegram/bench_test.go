package telegram_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/crmbot/crmbot/bot/telegram"
	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/handlers"
)

// BenchmarkFindUpdate is one "/find <phone>" update from the webhook to
// Telegram's sendMessage, on the embedded store with 2,000 customers, the
// rate limits lifted so the figure is crmbot's own work:
//
//	go test -run '^$' -bench FindUpdate -benchtime 200x ./bot/telegram/
func BenchmarkFindUpdate(b *testing.B) {
	f := newFixture(b, func(c *telegram.Config) { c.Rate, c.ChatRate, c.ChatBurst = rate.Inf, rate.Inf, 1 })
	const n = 2000
	cs := make([]*crm.Customer, n)
	for i := range cs {
		cs[i] = &crm.Customer{Name: fmt.Sprintf("Siti Customer%d", i), Phones: []string{fmt.Sprintf("+6012%07d", i)}}
	}
	if err := f.db.ImportCustomers(context.Background(), cs); err != nil {
		b.Fatal(err)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		t0 := time.Now()
		got := f.say(admin, fmt.Sprintf("/find 012%07d", i%n))
		lat = append(lat, time.Since(t0))
		if !strings.Contains(got.Params["text"], "Siti Customer") {
			b.Fatalf("reply %q", got.Params["text"])
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkFindHandler is the same request straight into the handler, so
// the difference to BenchmarkFindUpdate is the transport's own cost.
func BenchmarkFindHandler(b *testing.B) {
	f := newFixture(b)
	const n = 2000
	cs := make([]*crm.Customer, n)
	for i := range cs {
		cs[i] = &crm.Customer{Name: fmt.Sprintf("Siti Customer%d", i), Phones: []string{fmt.Sprintf("+6012%07d", i)}}
	}
	ctx := context.Background()
	if err := f.db.ImportCustomers(ctx, cs); err != nil {
		b.Fatal(err)
	}
	staff, err := f.h.Staff(ctx, "telegram:100")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		rep := f.h.Handle(ctx, handlers.Request{Staff: staff, Text: fmt.Sprintf("find 012%07d", i%n)})
		if rep.Error {
			b.Fatal(rep.Plain())
		}
	}
}
