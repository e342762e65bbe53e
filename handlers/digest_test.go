package handlers_test

import (
	"context"
	"fmt"
	"strings"
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
		"Reasons: price 2, service 2\n" +
		"• First Minute: price\n" +
		"• Early Morning: service → Solar Jaya\n" +
		"• Lost Twice: service\n" +
		"• Last Minute: price"
	if got != want {
		t.Errorf("lost block:\n%s\nwant\n%s", got, want)
	}
}

// TestDigestFitsOneScreen: a long section shows fifteen lines, its totals
// and a way to the rest; "digest more lost" has every line.
func TestDigestFitsOneScreen(t *testing.T) {
	w := newWorld(t, at("2026-11-20", "10:00"))
	for i := range 30 {
		name := "Customer " + string(rune('A'+i/26)) + string(rune('a'+i%26))
		w.as(w.rep, fmt.Sprintf("add %s +60 12-345 67%02d", name, i))
		w.as(w.rep, "lost "+name+": price")
	}
	w.clock.Set(at("2026-11-23", "09:00"))
	rep := w.h.Handle(context.Background(), handlers.Request{Staff: w.boss, Text: "digest"})
	got := block(t, rep, "Lost customers (last 7 days)")
	if n := strings.Count(got, "\n") + 1; n != 16 {
		t.Errorf("lost block has %d lines, want 15 and a line for the rest:\n%s", n, got)
	}
	contains(t, got, "30 customers lost.", "Reasons: price 30", "17 more: digest more lost")
	var more string
	for _, b := range rep.Buttons() {
		if b.Command == "digest more lost" {
			more = b.Command
		}
	}
	if more == "" {
		t.Fatalf("no button for the rest: %v", rep.Buttons())
	}
	all := w.h.Handle(context.Background(), handlers.Request{Staff: w.boss, Text: more}).Plain()
	for i := range 30 {
		contains(t, all, "Customer "+string(rune('A'+i/26))+string(rune('a'+i%26))+": price")
	}
	if r := w.h.Handle(context.Background(), handlers.Request{Staff: w.boss, Text: "digest more gossip"}); !r.Error {
		t.Errorf("digest more gossip: %s", r.Plain())
	}
}
