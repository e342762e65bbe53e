package handlers_test

import (
	"context"
	"strings"
	"testing"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/handlers"
)

// press finds the button whose label is label, checks that its command fits
// Telegram's 64 bytes, and runs it.
func (f *fixture) press(rep handlers.Reply, label string) handlers.Reply {
	f.t.Helper()
	for _, b := range rep.Buttons() {
		if len(b.Command) > 64 {
			f.t.Errorf("button %q: command %q is %d bytes, over 64", b.Label, b.Command, len(b.Command))
		}
		if b.Label == label {
			return f.do(b.Command)
		}
	}
	f.t.Fatalf("no button %q in:\n%s", label, rep.Plain())
	return handlers.Reply{}
}

// TestWordQuestions answers the questions unclear notes get, by their
// buttons, and checks what is saved: the note as typed, the value chosen.
func TestWordQuestions(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.ok("add Siti Nurhaliza 012-345 6789")
	f.ok("add Tan Ah Kow 019-876 5432")
	f.ok("complaint Siti: inverter stopped working")
	f.ok("complaint Siti: panel cracked")
	long := "belum diganti kerana stok habis di gudang Shah Alam dan pembekal lambat menghantar, pelanggan tidak puas dan minta dihubungi semula"

	t.Run("ResolutionThenSaved", func(t *testing.T) {
		rep := f.do("resolve 1: " + long)
		if rep.Error || len(rep.Buttons()) != 4 {
			t.Fatalf("want a question with four resolutions:\n%s", rep.Plain())
		}
		got := f.press(rep, "refund")
		contains(t, got.Plain(), "Complaint #1 resolved", "Resolution: refund", "Customer satisfied: no")
		c, err := f.db.Complaint(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		if c.Resolution != crm.ResolutionRefund || c.Note != long || c.Satisfied == nil || *c.Satisfied {
			t.Errorf("saved %q %q %v, want refund, the note as typed, not satisfied", c.Resolution, c.Note, c.Satisfied)
		}
	})
	t.Run("SatisfactionThenSaved", func(t *testing.T) {
		rep := f.do("resolve 2: replaced the panel, customer happy but also unhappy about the wait")
		if rep.Error || len(rep.Buttons()) != 3 {
			t.Fatalf("want a question yes / no / not said:\n%s", rep.Plain())
		}
		got := f.press(rep, "not said")
		contains(t, got.Plain(), "Resolution: replacement")
		if strings.Contains(got.Plain(), "Customer satisfied") {
			t.Errorf("satisfaction not said was shown:\n%s", got.Plain())
		}
	})
	t.Run("ExpiredChoice", func(t *testing.T) {
		rep := f.do("resolve 2 as=refund w=00000000")
		if !rep.Error || !strings.Contains(rep.Plain(), "no longer open") {
			t.Errorf("want a refusal for a choice that is gone:\n%s", rep.Plain())
		}
	})
	t.Run("LostReason", func(t *testing.T) {
		rep := f.do("lost Tan: beralih ke Toko Maju Sejahtera Abadi Jaya Sentosa")
		if rep.Error || len(rep.Buttons()) != 5 {
			t.Fatalf("want a question with five reasons:\n%s", rep.Plain())
		}
		f.press(rep, "service")
		c := f.customer("tan")
		if c.Lost == nil || c.Lost.Reason != "service" || c.Lost.Competitor != "Toko Maju Sejahtera Abadi Jaya Sentosa" {
			t.Errorf("lost = %+v, want service to Toko Maju Sejahtera Abadi Jaya Sentosa", c.Lost)
		}
	})
	t.Run("LostReasonKeepsCompetitorSetting", func(t *testing.T) {
		f.ok("add Lim Mei Ling 011-1111 2222")
		rep := f.do("lost Lim: competitor=Kedai Ah Seng")
		f.press(rep, "price")
		c := f.customer("lim")
		if c.Lost == nil || c.Lost.Reason != "price" || c.Lost.Competitor != "Kedai Ah Seng" {
			t.Errorf("lost = %+v, want price to Kedai Ah Seng", c.Lost)
		}
	})
	t.Run("ComplaintProduct", func(t *testing.T) {
		f.ok("sale Siti: 1250 MYR solar inverter x1 card")
		f.ok("sale Siti: 3000 MYR solar panel x3 card")
		rep := f.do("complaint return Siti: solar system not charging at all since the storm last week")
		if rep.Error || len(rep.Buttons()) != 3 {
			t.Fatalf("want a question with two products and none:\n%s", rep.Plain())
		}
		got := f.press(rep, "solar panel (from the purchase of 2026-11-23)")
		contains(t, got.Plain(), "Complaint #3 filed", "Product: solar panel")
		c, err := f.db.Complaint(ctx, 3)
		if err != nil {
			t.Fatal(err)
		}
		if c.Product != "solar panel" || c.Kind != crm.ComplaintKindReturn || !strings.HasPrefix(c.Text, "solar system not charging") {
			t.Errorf("filed %+v, want a return of the solar panel with the text as typed", c)
		}
	})
}
