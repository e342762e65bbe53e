package handlers

import (
	"slices"
	"testing"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/money"
)

// FuzzParseSale: no line panics the sale parser, and every line it reads
// is a whole sale: a positive amount in a known currency, a product, a
// quantity in range, a payment of the closed set, credit terms only on credit.
func FuzzParseSale(f *testing.F) {
	for _, s := range []string{"1,5 juta genset tunai", "RM1,250.50 iPhone 15 Pro", "2 x iPhone 15 @ RM 4,999 card",
		"iPhone 15 x2", "500 power bank", "¥8000 CNY water pump", "800 pump kredit 30 hari", "pump x-3 RM 100",
		"2 lakh tractor उधार 30 दिन", "500元水泵 赊账30天", "水泵 3 个 每个 500元", "RM 450 servis bukan tunai",
		"sabun Rp 5.000 setiap x4", "5 पीस बीज ₹100 प्रति", "x", "@", "每个", "per unit", "1,5", "campaign=raya x3 RM 5"} {
		f.Add(s, "MY")
		f.Add(s, "ID")
	}
	f.Fuzz(func(t *testing.T, line, region string) {
		h := &Handler{cfg: Config{Region: region}}
		l, err := h.parseSale(line)
		if err != nil {
			return
		}
		s := l.Sale
		switch {
		case s.Amount.Minor <= 0 || !money.Known(s.Amount.Currency):
			t.Fatalf("%q: amount %+v", line, s.Amount)
		case s.Product == "":
			t.Fatalf("%q: no product", line)
		case s.Quantity < 1 || s.Quantity > maxQuantity:
			t.Fatalf("%q: quantity %d", line, s.Quantity)
		case !slices.Contains(crm.PaymentMethods, s.Payment):
			t.Fatalf("%q: payment %q", line, s.Payment)
		case (s.Credit != nil) != (s.Payment == crm.PayCredit):
			t.Fatalf("%q: credit %+v with payment %s", line, s.Credit, s.Payment)
		case l.Unit != nil && l.Unit.Minor*int64(s.Quantity) != s.Amount.Minor && len(l.Doubts) == 0:
			t.Fatalf("%q: %d × %d saved as %d without asking", line, s.Quantity, l.Unit.Minor, s.Amount.Minor)
		}
	})
}
