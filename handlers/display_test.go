package handlers_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/handlers"
)

// moneyWorld is a business in Malaysia (base MYR) whose customers bought
// in ringgit, dollars and rupiah on 2026-11-22:
//
//	Siti: MYR 15,000 twice, the second on credit        → high, MYR 30,000
//	Tan:  MYR 7,000 and 6,000, USD 50,000 on credit     → high, MYR 13,000 + USD
//	Budi: IDR 2,000,000 twice                           → no ringgit at all
//
// Before the base currency, Tan's USD 5,000,000 cents ranked first and
// Budi's 4,000,000 rupiah counted as RM 40,000: high value.
func moneyWorld(t *testing.T) *world {
	t.Helper()
	w := newWorld(t, at("2026-11-22", "10:00"))
	for _, line := range []string{
		"add Siti Nurhaliza +60 12-345 6789",
		"add Tan Ah Kow +60 19-876 5432",
		"add Budi Santoso +62 812-3456-7890",
		"sale Siti: 15000 MYR solar farm card",
		"sale Siti: 15000 MYR solar farm credit 30d",
		"sale Tan: 7000 MYR inverter card",
		"sale Tan: 6000 MYR inverter card",
		"sale Tan: 50000 USD solar farm credit 30d",
		"sale Budi: 2000000 IDR panel cash",
		"sale Budi: 2000000 IDR panel cash",
	} {
		w.as(w.rep, line)
	}
	w.clock.Set(at("2026-11-23", "09:00"))
	return w
}

// raw are the minor-unit figures of moneyWorld that must never be shown.
var raw = []string{"3000000", "1500000", "1300000", "5000000", "4000000", "2000000", "4300000"}

// rawCents are those of them in currencies with cents: in a file, rupiah
// have no decimals, so there the decimal and the minor units agree.
var rawCents = []string{"3000000", "1500000", "1300000", "5000000", "4300000"}

func noRaw(t *testing.T, what, got string, raw ...string) {
	t.Helper()
	for _, n := range raw {
		if strings.Contains(got, n) {
			t.Errorf("%s shows the raw minor units %s:\n%s", what, n, got)
		}
	}
}

func TestDigestMoney(t *testing.T) {
	w := moneyWorld(t)
	m := func(minor int64, cur string) string { return w.h.Money(crm.Money{Minor: minor, Currency: cur}) }
	rep := w.h.Handle(context.Background(), handlers.Request{Staff: w.boss, Text: "digest"})
	if rep.Error {
		t.Fatal(rep.Plain())
	}
	text := rep.Plain()
	noRaw(t, "digest", text, raw...)
	t.Run("TopRankedInBaseCurrency", func(t *testing.T) {
		top := block(t, rep, "Top customers by value")
		want := "1. Siti Nurhaliza: " + m(30_000_00, "MYR") + "\n" +
			"2. Tan Ah Kow: " + m(13_000_00, "MYR") + " (also " + m(50_000_00, "USD") + ")"
		if top != want {
			t.Errorf("top customers:\n%s\nwant\n%s", top, want)
		}
	})
	t.Run("RepTotalsPerCurrencyBaseFirst", func(t *testing.T) {
		contains(t, text, "Aisyah: calls 0 · visits 0 · sales 7 · new customers 3 ("+m(43_000_00, "MYR")+
			" (also "+m(2_000_000*2, "IDR")+", "+m(50_000_00, "USD")+"))")
		contains(t, text, "Sales yesterday: 7 sales, "+m(43_000_00, "MYR"))
	})
	t.Run("ChartDoesNotRepeatTheFigures", func(t *testing.T) {
		line := "• Aisyah: calls 0"
		if n := strings.Count(text, line); n != 1 {
			t.Errorf("%q shown %d times, want once:\n%s", line, n, text)
		}
		img := image(rep)
		if img == nil || !bytes.HasPrefix(img.PNG, []byte("\x89PNG")) {
			t.Fatal("no chart")
		}
		if img.Alt == "" || strings.Contains(img.Alt, "Aisyah") {
			t.Errorf("chart text %q: want a caption of its own, not the figures again", img.Alt)
		}
	})
}

func TestCardMoney(t *testing.T) {
	w := moneyWorld(t)
	m := func(minor int64, cur string) string { return w.h.Money(crm.Money{Minor: minor, Currency: cur}) }
	tests := []struct {
		who  string
		want []string
	}{
		{"siti", []string{"Purchases: 2 orders, " + m(30_000_00, "MYR"), "Credit outstanding: " + m(15_000_00, "MYR"), "Value: high value"}},
		// Credit in dollars among ringgit sales: the one stored number mixes
		// them, so the card does not show it as either.
		{"tan", []string{"Purchases: 3 orders, " + m(13_000_00, "MYR") + " (also " + m(50_000_00, "USD") + ")",
			"Credit outstanding: yes, on sales in more than one currency", "Value: high value"}},
		{"budi", []string{"Purchases: 2 orders, " + m(4_000_000, "IDR"), "Value: middle value"}},
	}
	for _, tt := range tests {
		t.Run(tt.who, func(t *testing.T) {
			card := w.as(w.boss, "show "+tt.who)
			contains(t, card, tt.want...)
			noRaw(t, "card", card, raw...)
		})
	}
}

// TestRegionTiers: in Indonesia the thresholds are rupiah (Rp 30,000,000
// high), so Rp 1,500,000 in two sales is no high-value customer.
func TestRegionTiers(t *testing.T) {
	f := newFixtureIn(t, "ID")
	f.ok("add Budi Santoso 0812-3456-7890")
	f.ok("sale Budi: 750000 IDR batik cash")
	f.ok("sale Budi: 750000 IDR batik cash")
	if c := f.customer("budi"); c.Stats.Tier != crm.TierMiddle {
		t.Errorf("tier %s, want middle (Rp 1,500,000 is below Rp 6,000,000)", c.Stats.Tier)
	}
	f.ok("sale Budi: 30000000 IDR kiosk transfer")
	if c := f.customer("budi"); c.Stats.Tier != crm.TierHigh {
		t.Errorf("tier %s after Rp 31,500,000, want high", c.Stats.Tier)
	}
}

// TestCSVMoney: the export and a segment's CSV carry the base currency's
// code and a plain decimal a spreadsheet sums; other currencies apart.
func TestCSVMoney(t *testing.T) {
	w := moneyWorld(t)
	want := map[string][3]string{ // name → currency, spent, spent_other
		"Siti Nurhaliza": {"MYR", "30000.00", ""},
		"Tan Ah Kow":     {"MYR", "13000.00", "USD 50000.00"},
		"Budi Santoso":   {"MYR", "", "IDR 4000000"},
	}
	for _, tt := range []struct{ name, line string }{{"Export", "export"}, {"Segment", "segment tier=high csv"}} {
		t.Run(tt.name, func(t *testing.T) {
			rep := w.h.Handle(context.Background(), handlers.Request{Staff: w.boss, Text: tt.line})
			doc := document(t, rep)
			noRaw(t, tt.line, string(doc.Data), rawCents...)
			rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(doc.Data, []byte("\uFEFF")))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			col := map[string]int{}
			for i, h := range rows[0] {
				col[h] = i
			}
			seen := 0
			for _, row := range rows[1:] {
				exp, ok := want[row[col["name"]]]
				if !ok {
					continue
				}
				seen++
				got := [3]string{row[col["currency"]], row[col["spent"]], row[col["spent_other"]]}
				if got != exp {
					t.Errorf("%s: currency, spent, spent_other = %q, want %q", row[col["name"]], got, exp)
				}
				if exp[1] != "" {
					if _, err := strconv.ParseFloat(got[1], 64); err != nil {
						t.Errorf("spent %q is not a number a spreadsheet reads", got[1])
					}
				}
			}
			if wantRows := map[string]int{"Export": 3, "Segment": 2}[tt.name]; seen != wantRows {
				t.Errorf("%d customers in the file, want %d", seen, wantRows)
			}
		})
	}
}

// block returns the text of the reply's block under heading.
func block(t *testing.T, rep handlers.Reply, heading string) string {
	t.Helper()
	for _, b := range rep.Blocks {
		if b.Heading == heading {
			return b.Text
		}
	}
	t.Fatalf("no block %q in:\n%s", heading, rep.Plain())
	return ""
}

func image(rep handlers.Reply) *handlers.Image {
	for _, b := range rep.Blocks {
		if b.Image != nil {
			return b.Image
		}
	}
	return nil
}

// TestBaseCurrencyConfig: the base currency defaults from the region, the
// tier thresholds from the currency; a currency without defaults needs
// thresholds, and rules in another currency are refused.
func TestBaseCurrencyConfig(t *testing.T) {
	cat, err := handlers.NewCatalog()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		cfg     handlers.Config
		wantErr bool
	}{
		{"RegionDefault", handlers.Config{Region: "IN"}, false},
		{"DollarsHaveDefaults", handlers.Config{Region: "MY", Currency: "USD"}, false},
		{"YenHasNoDefaults", handlers.Config{Currency: "JPY"}, true},
		{"YenWithThresholds", handlers.Config{Currency: "JPY", Tiers: crm.TierRules{Currency: "JPY", HighSpend: 1_500_000, MiddleSpend: 300_000, BigSale: 750_000}}, false},
		{"RulesInAnotherCurrency", handlers.Config{Currency: "IDR", Tiers: crm.DefaultTierRules}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Store, tt.cfg.Catalog = server, cat
			_, err := handlers.New(tt.cfg)
			if (err != nil) != tt.wantErr {
				t.Errorf("err = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}
