package money

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		region, in string
		minor      int64
		code       string
		unsure     bool
		err        error
	}{
		{"ID", "Rp1.500.000", 1500000, "IDR", false, nil},
		{"ID", "Rp 12.000.000", 12000000, "IDR", false, nil},
		{"ID", "1,5 juta", 1500000, "IDR", false, nil},
		{"ID", "1.5 juta", 1500000, "IDR", false, nil},
		{"ID", "250rb", 250000, "IDR", false, nil},
		{"ID", "250 ribu", 250000, "IDR", false, nil},
		{"ID", "2jt", 2000000, "IDR", false, nil},
		{"ID", "1,500", 1500, "IDR", true, nil},
		{"ID", "1.500", 1500, "IDR", false, nil},
		{"ID", "USD 99,90", 9990, "USD", false, nil},
		{"ID", "Rp 1.500,50", 0, "", false, ErrTooPrecise},
		{"MY", "RM 2k", 200000, "MYR", false, nil},
		{"MY", "rm1,250.50", 125050, "MYR", false, nil},
		{"MY", "RM 4,999", 499900, "MYR", false, nil},
		{"MY", "1.500", 150, "MYR", true, nil},
		{"MY", "1,5", 150, "MYR", true, nil},
		{"MY", "USD 99.90", 9990, "USD", false, nil},
		{"MY", "99.90 USD", 9990, "USD", false, nil},
		{"MY", "99.90usd", 9990, "USD", false, nil},
		{"MY", "$99.90", 9990, "USD", false, nil},
		{"MY", "US$ 99.90", 9990, "USD", false, nil},
		{"MY", "€50", 5000, "EUR", false, nil},
		{"MY", "1250 MYR", 125000, "MYR", false, nil},
		{"MY", "500", 50000, "MYR", false, nil},
		{"MY", "RM 1.500 juta", 0, "", false, nil}, // checked below: unsure
		{"IN", "2 lakh", 20000000, "INR", false, nil},
		{"IN", "2 लाख", 20000000, "INR", false, nil},
		{"IN", "1.5 crore", 1500000000, "INR", false, nil},
		{"IN", "₹1,50,000", 15000000, "INR", false, nil},
		{"IN", "Rs.500", 50000, "INR", false, nil},
		{"IN", "Rs 1,500", 150000, "INR", false, nil},
		{"IN", "₹२,५००", 250000, "INR", false, nil},
		{"MY", "1,50,000", 15000000, "MYR", true, nil},
		{"CN", "1.5万", 1500000, "CNY", false, nil},
		{"CN", "¥8000", 800000, "CNY", false, nil},
		{"CN", "¥8000 CNY", 800000, "CNY", false, nil},
		{"CN", "RMB500", 50000, "CNY", false, nil},
		{"CN", "500元", 50000, "CNY", false, nil},
		{"CN", "500 块", 50000, "CNY", false, nil},
		{"CN", "3亿", 30000000000, "CNY", false, nil},
		{"TW", "NT$3,600", 3600, "TWD", false, nil},
		{"TW", "3600元", 3600, "TWD", false, nil},
		{"TW", "2萬", 20000, "TWD", false, nil},
		{"TW", "$3,600", 3600, "TWD", false, nil},
		{"SG", "S$1,200", 120000, "SGD", false, nil},
		{"SG", "$12", 1200, "SGD", false, nil},
		{"MY", "HK$100", 10000, "HKD", false, nil},
		{"MY", "RM 500 USD", 0, "", false, ErrTwoCurrencies},
		{"MY", "0", 0, "", false, ErrZero},
		{"MY", "RM 0.00", 0, "", false, ErrZero},
		{"MY", "9999999999999", 0, "", false, ErrTooLarge},
		{"MY", "1,2,3", 0, "", false, ErrBadGrouping},
		{"MY", "iPhone", 0, "", false, ErrNotAmount},
		{"MY", "2kg", 0, "", false, ErrNotAmount},
		{"MY", "50 pen", 0, "", false, ErrNotAmount},
		{"MY", "x3", 0, "", false, ErrNotAmount},
		{"MY", "-5", 0, "", false, ErrNotAmount},
	}
	for _, tt := range tests {
		t.Run(tt.region+"/"+tt.in, func(t *testing.T) {
			r, err := Parse(tt.in, tt.region)
			if tt.in == "RM 1.500 juta" {
				if err != nil || !r.Unsure {
					t.Fatalf("got %+v, %v; want unsure", r, err)
				}
				return
			}
			if !errors.Is(err, tt.err) {
				t.Fatalf("error %v, want %v (reading %+v)", err, tt.err, r)
			}
			if err != nil {
				return
			}
			if r.Minor != tt.minor || r.Currency != tt.code || r.Unsure != tt.unsure {
				t.Fatalf("got %d %s unsure=%v others=%v, want %d %s unsure=%v", r.Minor, r.Currency, r.Unsure, r.Others, tt.minor, tt.code, tt.unsure)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		region string
		minor  int64
		code   string
		want   string
	}{
		{"MY", 125050, "MYR", "RM 1,250.50"},
		{"MY", 9990, "USD", "USD 99.90"},
		{"ID", 1500000, "IDR", "Rp 1.500.000"},
		{"ID", 9990, "USD", "USD 99,90"},
		{"IN", 20000000, "INR", "₹2,00,000.00"},
		{"CN", 800000, "CNY", "¥8,000.00"},
		{"TW", 3600, "TWD", "NT$3,600"},
		{"SG", 120000, "SGD", "$1,200.00"},
		{"MY", 5, "XYZ", "XYZ 0.05"},
	}
	for _, tt := range tests {
		t.Run(tt.region+"/"+tt.want, func(t *testing.T) {
			if got := Format(tt.minor, tt.code, tt.region); got != tt.want {
				t.Fatalf("Format(%d, %s, %s) = %q, want %q", tt.minor, tt.code, tt.region, got, tt.want)
			}
		})
	}
}

// regions are those the CRM serves.
var regions = []string{"MY", "ID", "IN", "CN", "TW", "SG", "HK"}

// writtenForms are the ways an amount is written in a region: as Format
// shows it, without spaces, with the code instead of the symbol, the bare
// number with the region's marks, and the bare number with no grouping.
func writtenForms(minor int64, code, region string) []string {
	shown := Format(minor, code, region)
	digits := Digits(code)
	plain := decimalString(minor, digits)
	m := marksOf(region)
	whole, frac, _ := strings.Cut(plain, ".")
	grouped := groupDigits(whole, m)
	if frac != "" {
		grouped += string(m.decimal) + frac
	}
	forms := []string{shown, strings.ReplaceAll(shown, " ", ""), code + " " + grouped, grouped + " " + code, strings.ToLower(code) + grouped}
	if code == RegionCurrency(region) {
		forms = append(forms, grouped, strings.ReplaceAll(plain, ".", string(m.decimal)))
	}
	// With a multiplier, where the amount is a whole or one- or two-decimal
	// number of them: "2k", "1,5 juta", "1.5万", "2 lakh".
	for _, mw := range []struct {
		word string
		pow  int
	}{{"k", 3}, {"rb", 3}, {" juta", 6}, {"jt", 6}, {" lakh", 5}, {" crore", 7}, {"千", 3}, {"万", 4}, {"亿", 8}} {
		unit := pow10(mw.pow + digits)
		for dec := 0; dec <= 2; dec++ {
			step := unit / pow10(dec)
			if step == 0 || minor%step != 0 {
				continue
			}
			n := decimalString(minor/step, dec)
			forms = append(forms, code+" "+strings.ReplaceAll(n, ".", string(m.decimal))+mw.word)
			break
		}
	}
	return forms
}

func pow10(n int) int64 {
	p := int64(1)
	for ; n > 0; n-- {
		p *= 10
	}
	return p
}

func groupDigits(whole string, m marks) string {
	var parts []string
	for len(whole) > 3 {
		parts = append([]string{whole[len(whole)-3:]}, parts...)
		whole = whole[:len(whole)-3]
		if m.indian {
			for len(whole) > 2 {
				parts = append([]string{whole[len(whole)-2:]}, parts...)
				whole = whole[:len(whole)-2]
			}
		}
	}
	return strings.Join(append([]string{whole}, parts...), string(m.group))
}

// TestRoundTrip: every amount written in every supported form reads back
// as exactly that amount, or as unsure; never as another sure amount.
func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	codes := []string{"MYR", "IDR", "INR", "CNY", "TWD", "SGD", "HKD", "USD", "EUR", "JPY"}
	for i := 0; i < 20000; i++ {
		minor := rng.Int64N(1_000_000_000_00) + 1
		switch i % 4 {
		case 0:
			minor = rng.Int64N(10000) + 1
		case 1:
			minor = rng.Int64N(10) * int64([]int{1, 10, 100, 1000, 100000, 1000000}[rng.IntN(6)])
			if minor == 0 {
				minor = 1000
			}
		}
		region, code := regions[rng.IntN(len(regions))], codes[rng.IntN(len(codes))]
		for _, form := range writtenForms(minor, code, region) {
			r, err := Parse(form, region)
			if err != nil {
				t.Fatalf("%s %q (%d %s): %v", region, form, minor, code, err)
			}
			if !r.Unsure && (r.Minor != minor || r.Currency != code) {
				t.Fatalf("%s %q read as sure %d %s, want %d %s", region, form, r.Minor, r.Currency, minor, code)
			}
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"Rp1.500.000", "1,5 juta", "RM 2k", "250rb", "2jt", "NT$3,600", "1.5万", "USD 99.90",
		"RMB500", "2 lakh", "₹1,50,000", "¥8000 CNY", "1,500", "1.500", "99.90usd", "$", "rm", "1..2", ",5", "5,", "२ लाख", "１２３元"} {
		f.Add(s, "MY")
		f.Add(s, "ID")
		f.Add(s, "IN")
	}
	f.Fuzz(func(t *testing.T, s, region string) {
		r, err := Parse(s, region)
		if err != nil {
			return
		}
		if r.Minor <= 0 || r.Currency == "" {
			t.Fatalf("%q read as %+v", s, r)
		}
		if r.Unsure {
			return
		}
		// A sure reading shown back reads as itself.
		back, err := Parse(Format(r.Minor, r.Currency, region), region)
		if Known(r.Currency) && (err != nil || back.Minor != r.Minor && !back.Unsure) {
			t.Fatalf("%q: %+v shown as %q reads %+v, %v", s, r, Format(r.Minor, r.Currency, region), back, err)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	for b.Loop() {
		if _, err := Parse("Rp 12.000.000", "ID"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFormat(b *testing.B) {
	for b.Loop() {
		Format(20000000, "INR", "IN")
	}
}
