package handlers_test

import (
	"context"
	"testing"

	"github.com/crmbot/crmbot/handlers"
)

// TestDigestLost: the digest of 2026-11-23 lists the customers lost from
// 2026-11-16 00:00 to 2026-11-22 24:00 in the business's zone (Kuala
// Lumpur, UTC+8, so the early hours of a local day are the UTC day
// before), each once with its latest reason, counted, reasons in the
// reader's language, most frequent first.
func TestDigestLost(t *testing.T) {
	w := newWorld(t, at("2026-11-01", "10:00"))
	names := []string{"Before Window", "First Minute", "Early Morning", "Last Minute", "Lost Today", "Lost Twice"}
	for i, n := range names {
		w.as(w.rep, "add "+n+" +60 12-100 10"+string(rune('0'+i))+"0")
	}
	for _, step := range []struct{ day, hm, line string }{
		{"2026-11-15", "23:59", "lost Before Window: price"},
		{"2026-11-16", "00:00", "lost First Minute: harga mahal"},
		{"2026-11-16", "07:00", "lost Early Morning: went to competitor Solar Jaya, service"},
		{"2026-11-17", "10:00", "lost Lost Twice: price"},
		{"2026-11-21", "10:00", "lost Lost Twice: slow support"},
		{"2026-11-22", "23:59", "lost Last Minute: 太贵"},
		{"2026-11-23", "07:00", "lost Lost Today: quality"},
	} {
		w.clock.Set(at(step.day, step.hm))
		w.as(w.rep, step.line)
	}
	w.clock.Set(at("2026-11-23", "09:00"))
	rep := w.h.Handle(context.Background(), handlers.Request{Staff: w.boss, Text: "digest"})
	if rep.Error {
		t.Fatal(rep.Plain())
	}
	got := block(t, rep, "Lost customers (last 7 days)")
	want := "4 customers lost.\n" +
		"• First Minute: price\n" +
		"• Early Morning: service → Solar Jaya\n" +
		"• Lost Twice: service\n" +
		"• Last Minute: price\n" +
		"Reasons: price 2, service 2"
	if got != want {
		t.Errorf("lost block:\n%s\nwant\n%s", got, want)
	}
}
