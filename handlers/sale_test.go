package handlers_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/handlers"
)

// salesToday are the sales recorded on the fixture's day.
func (f *fixture) salesToday() []crm.Sale {
	f.t.Helper()
	sales, err := f.db.SalesOn(context.Background(), f.now.UTC().Format("2006-01-02"))
	if err != nil {
		f.t.Fatal(err)
	}
	return sales
}

// TestSaleAskedThenSaved: a line with unclear marks is kept, not saved; its
// Save records it once, a second press records nothing, and every button
// fits Telegram's 64-byte callback data.
func TestSaleAskedThenSaved(t *testing.T) {
	tests := []struct {
		name, save string
		want       int64
	}{
		{"FirstReading", "Save RM 1.50", 150},
		{"OtherReading", "Save RM 1,500.00", 150000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.ok("add Tan Ah Kow 019-876 5432")
			rep := f.do("sale Tan: 1.500 pump card")
			if rep.Error || len(f.salesToday()) != 0 {
				t.Fatalf("want a question and nothing saved:\n%s", rep.Plain())
			}
			for _, b := range rep.Buttons() {
				if len(b.Command) > 64 {
					t.Errorf("button %q command is %d bytes", b.Label, len(b.Command))
				}
			}
			save := button(t, rep, tt.save)
			contains(t, f.ok(save), "recorded for Tan Ah Kow", "Payment: card")
			sales := f.salesToday()
			if len(sales) != 1 || sales[0].Amount != (crm.Money{Minor: tt.want, Currency: "MYR"}) || sales[0].Product != "pump" {
				t.Fatalf("saved %+v, want one sale of %d MYR", sales, tt.want)
			}
			contains(t, f.ok(save), "Nothing to save")
			if n := len(f.salesToday()); n != 1 {
				t.Fatalf("second press: %d sales, want 1", n)
			}
		})
	}
}

// TestSaleFix: Fix prompts for the line again, so the next message replaces it.
func TestSaleFix(t *testing.T) {
	f := newFixture(t)
	f.ok("add Tan Ah Kow 019-876 5432")
	rep := f.do("sale Tan: RM 500 pump RM 600")
	fix := f.do(button(t, rep, "Fix"))
	if fix.Prompt == "" || !strings.HasPrefix(fix.Prompt, "sale #") {
		t.Fatalf("Fix prompt = %q, want sale #<id>:", fix.Prompt)
	}
	contains(t, f.ok(fix.Prompt+" RM 600 pump"), "Amount: RM 600.00")
	if n := len(f.salesToday()); n != 1 {
		t.Fatalf("%d sales, want 1", n)
	}
}

// TestSaleUnitPriceSaved: the total saved is quantity × unit price, and the
// reply shows both.
func TestSaleUnitPriceSaved(t *testing.T) {
	f := newFixtureIn(t, "ID")
	f.ok("add Budi Santoso 0812 3456 7890")
	contains(t, f.ok("sale Budi: 3 biji kelapa @ Rp 15.000 QRIS"), "Amount: Rp 45.000", "Unit price: Rp 15.000", "Quantity: 3", "Payment: ewallet")
	s := f.salesToday()
	if len(s) != 1 || s[0].Amount != (crm.Money{Minor: 45000, Currency: "IDR"}) || s[0].Quantity != 3 || s[0].Payment != crm.PayEWallet {
		t.Fatalf("saved %+v", s)
	}
}

// TestSaleCurrencyDeterministic: the currency a symbol means is the same on
// every run (it once came from map order).
func TestSaleCurrencyDeterministic(t *testing.T) {
	f := newFixture(t)
	f.ok("add Tan Ah Kow 019-876 5432")
	for i := 0; i < 20; i++ {
		rep := f.do("sale Tan: RMB500 spare part")
		if got, _ := field(rep, "Amount"); got != "CNY 500.00" {
			t.Fatalf("run %d: Amount = %q, want CNY 500.00", i, got)
		}
	}
}

// TestSaleBadQuantity: a bad quantity is refused in one sentence, never
// kept in the product.
func TestSaleBadQuantity(t *testing.T) {
	for _, q := range []string{"x-3", "x0", "x999999999999", "×0"} {
		t.Run(q, func(t *testing.T) {
			f := newFixture(t)
			f.ok("add Tan Ah Kow 019-876 5432")
			rep := f.do("sale Tan: pump " + q + " RM 100")
			if !rep.Error || !strings.Contains(rep.Plain(), "is not a quantity") {
				t.Fatalf("want a quantity refusal:\n%s", rep.Plain())
			}
			if n := len(f.salesToday()); n != 0 {
				t.Fatalf("%d sales saved", n)
			}
		})
	}
}

// TestHelpSaleExamples: every example in `help sale` records a sale, in
// the region its language is mostly typed in, without a question.
func TestHelpSaleExamples(t *testing.T) {
	cat, err := handlers.NewCatalog()
	if err != nil {
		t.Fatal(err)
	}
	regions := map[string]string{"en": "MY", "ms": "MY", "id": "ID", "zh-Hans": "CN", "zh-Hant": "TW", "hi": "IN"}
	phones := map[string][]string{
		"MY": {"012-555 0101", "012-555 0102", "012-555 0103"}, "ID": {"0812 3456 7890", "0813 1111 2222", "0814 3333 4444"},
		"CN": {"+86 138 0013 8000", "+86 139 0013 9000", "+86 137 0013 7000"}, "TW": {"0912 345 678", "0913 345 678", "0914 345 678"},
		"IN": {"98765 43210", "91234 56789", "99887 76655"},
	}
	example := regexp.MustCompile(`sale ([^:]+): [^·\n]+`)
	for lang, region := range regions {
		t.Run(lang, func(t *testing.T) {
			f := newFixtureIn(t, region)
			added := map[string]bool{}
			found := example.FindAllStringSubmatch(cat.T(lang, "help_sale"), -1)
			if len(found) < 3 {
				t.Fatalf("%d examples in help_sale, want 3", len(found))
			}
			for _, m := range found {
				if name := m[1]; !added[name] {
					f.ok("add " + name + " " + phones[region][len(added)])
					added[name] = true
				}
				rep := f.do(strings.TrimSpace(m[0]))
				if rep.Error || len(rep.Buttons()) != 1 {
					t.Errorf("%q did not record:\n%s", m[0], rep.Plain())
				}
			}
		})
	}
}
