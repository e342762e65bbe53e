package custfile_test

import (
	"bytes"
	"encoding/csv"
	"testing"
	"time"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/custfile"
)

// TestExportMoney: the base currency's total is a plain decimal with the
// currency's digits, the others apart as text, never added to it.
func TestExportMoney(t *testing.T) {
	tests := []struct {
		name, base         string
		spent              map[string]int64
		wantSpent, wantOth string
	}{
		{"Ringgit", "MYR", map[string]int64{"MYR": 2125100}, "21251.00", ""},
		{"Sen", "MYR", map[string]int64{"MYR": 5}, "0.05", ""},
		{"RupiahHaveNoCents", "IDR", map[string]int64{"IDR": 1500000}, "1500000", ""},
		{"Rupees", "INR", map[string]int64{"INR": 20000000}, "200000.00", ""},
		{"OthersApartSorted", "MYR", map[string]int64{"MYR": 100, "USD": 12000, "IDR": 1500000}, "1.00", "IDR 1500000; USD 120.00"},
		{"NoneInBase", "MYR", map[string]int64{"SGD": 5000}, "", "SGD 50.00"},
		// A cell starting with "-" is neutralised as a formula would be.
		{"Refunded", "MYR", map[string]int64{"MYR": -250}, "'-2.50", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			w, err := custfile.NewWriter(&b, time.UTC, tt.base)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Write(&crm.Customer{ID: "c1", Name: "Siti", Stats: crm.Stats{Orders: 1, Spent: tt.spent}}); err != nil {
				t.Fatal(err)
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b.Bytes(), []byte("\uFEFF")))).ReadAll()
			if err != nil || len(rows) != 2 {
				t.Fatalf("rows %q, %v", rows, err)
			}
			got := map[string]string{}
			for i, h := range rows[0] {
				got[h] = rows[1][i]
			}
			if got["currency"] != tt.base || got["spent"] != tt.wantSpent || got["spent_other"] != tt.wantOth {
				t.Errorf("currency, spent, spent_other = %q, %q, %q; want %q, %q, %q",
					got["currency"], got["spent"], got["spent_other"], tt.base, tt.wantSpent, tt.wantOth)
			}
		})
	}
}
