package handlers

import (
	"context"
	"math"
	"strconv"
	"strings"

	"golang.org/x/text/currency"

	"github.com/crmbot/crmbot/crm"
)

// regionCurrency is the currency of a sale typed without one.
var regionCurrency = map[string]string{"MY": "MYR", "ID": "IDR", "CN": "CNY", "IN": "INR", "SG": "SGD", "TW": "TWD", "HK": "HKD", "TH": "THB", "PH": "PHP", "VN": "VND"}

// currencySymbols are prefixes people type before an amount.
var currencySymbols = map[string]string{"rm": "MYR", "rp": "IDR", "¥": "CNY", "rmb": "CNY", "₹": "INR", "rs": "INR", "s$": "SGD", "$": "USD", "us$": "USD"}

// paymentWords maps what people type to a payment method.
var paymentWords = map[string]crm.PaymentMethod{
	"cash": crm.PayCash, "tunai": crm.PayCash, "现金": crm.PayCash, "नकद": crm.PayCash,
	"card": crm.PayCard, "kad": crm.PayCard, "kartu": crm.PayCard, "刷卡": crm.PayCard,
	"debit":    crm.PayDebit,
	"transfer": crm.PayTransfer, "bank": crm.PayTransfer, "转账": crm.PayTransfer,
	"paypal": crm.PayPayPal,
	"cod":    crm.PayCOD,
	"cheque": crm.PayCheque, "check": crm.PayCheque, "cek": crm.PayCheque,
	"credit": crm.PayCredit, "kredit": crm.PayCredit, "赊账": crm.PayCredit,
	"ewallet": crm.PayEWallet, "e-wallet": crm.PayEWallet, "tng": crm.PayEWallet, "gopay": crm.PayEWallet, "ovo": crm.PayEWallet, "alipay": crm.PayEWallet, "wechatpay": crm.PayEWallet, "upi": crm.PayEWallet,
}

// sale: sale Siti: 1250 MYR solar panel x3 card · sale Tan: 800 pump credit 30d
func (h *Handler) sale(ctx context.Context, r *request) (Reply, error) {
	who, rest, ok := splitColon(r.args)
	if who == "" {
		return Reply{}, invalid("err_sale_form")
	}
	if !ok || rest == "" {
		return Reply{Blocks: []Block{{Text: h.cat.T(r.lang, "ask_sale")}}, Prompt: "sale " + who + ":"}, nil
	}
	s, err := h.parseSale(rest)
	if err != nil {
		return Reply{}, err
	}
	p, err := h.customer(ctx, r, who, func(ref string) string { return "sale " + ref + ": " + rest })
	if err != nil || p.reply != nil {
		return deref(p.reply), err
	}
	s.CustomerID, s.Staff, s.At = p.customer.ID, r.Staff.ID, h.now()
	if s.Credit != nil {
		s.Credit.DueAt = s.At.AddDate(0, 0, s.Credit.TermDays)
	}
	now := h.cfg.Now()
	if err := h.store.RecordSale(ctx, s, func(st crm.Stats) crm.Tier { return h.cfg.Tiers.Tier(st, now) }); err != nil {
		return Reply{}, err
	}
	b := Block{Text: h.saleHeadline(r, s, p.customer), Fields: []Field{
		{Label: h.cat.T(r.lang, "field_amount"), Value: formatMoney(s.Amount)},
		{Label: h.cat.T(r.lang, "field_product"), Value: s.Product + " × " + strconv.Itoa(s.Quantity)},
		{Label: h.cat.T(r.lang, "field_payment"), Value: string(s.Payment)},
	}}
	if s.Credit != nil {
		b.Fields = append(b.Fields, Field{Label: h.cat.T(r.lang, "field_due"), Value: s.Credit.DueAt.Format("2006-01-02")})
	}
	if s.Campaign != "" {
		b.Fields = append(b.Fields, Field{Label: h.cat.T(r.lang, "field_campaign"), Value: s.Campaign})
	}
	b.Buttons = []Button{{Label: h.cat.T(r.lang, "btn_show"), Command: "show #" + string(p.customer.ID)}}
	return Reply{Blocks: []Block{b}}, nil
}

// parseSale reads "1250 MYR solar panel x3 card", "RM800 pump credit 30d".
func (h *Handler) parseSale(s string) (*crm.Sale, error) {
	head, kvs := splitKV(s)
	sale := &crm.Sale{Quantity: 1}
	for _, x := range kvs {
		switch x.key {
		case "campaign":
			var rest string
			sale.Campaign, rest = campaignValue(x.value)
			head = strings.TrimSpace(head + " " + rest)
		default:
			return nil, invalid("err_unknown_field", "key", x.key)
		}
	}
	words := strings.Fields(head)
	if len(words) == 0 {
		return nil, invalid("err_sale_amount", "amount", "")
	}
	amount, cur := words[0], ""
	words = words[1:]
	for sym, code := range currencySymbols {
		if len(amount) > len(sym) && strings.HasPrefix(strings.ToLower(amount), sym) {
			amount, cur = amount[len(sym):], code
			break
		}
	}
	if cur == "" && len(words) > 0 && looksLikeCurrency(words[0]) {
		cur, words = strings.ToUpper(words[0]), words[1:]
		if _, err := currency.ParseISO(cur); err != nil {
			return nil, invalid("err_sale_currency", "currency", clip(cur, 10))
		}
	}
	if cur == "" {
		cur = regionCurrency[strings.ToUpper(h.cfg.Region)]
		if cur == "" {
			cur = "USD"
		}
	}
	minor, err := parseAmount(amount, cur)
	if err != nil {
		return nil, err
	}
	sale.Amount = crm.Money{Minor: minor, Currency: cur}
	var product []string
	for i := 0; i < len(words); i++ {
		w := words[i]
		lw := strings.ToLower(w)
		if m, ok := paymentWords[lw]; ok && sale.Payment == "" {
			sale.Payment = m
			if m == crm.PayCredit {
				sale.Credit = &crm.Credit{TermDays: 30}
				if i+1 < len(words) {
					if d, ok := termDays(words[i+1]); ok {
						sale.Credit.TermDays = d
						i++
					}
				}
			}
			continue
		}
		if q, ok := quantity(lw); ok {
			sale.Quantity = q
			continue
		}
		product = append(product, w)
	}
	sale.Product = clip(strings.Join(product, " "), 120)
	if sale.Product == "" {
		return nil, invalid("err_sale_product")
	}
	if sale.Payment == "" {
		sale.Payment = crm.PayCash
	}
	return sale, nil
}

// looksLikeCurrency is a three-letter word in capitals, or a known code in any case.
func looksLikeCurrency(w string) bool {
	if len(w) != 3 {
		return false
	}
	if strings.ToUpper(w) == w && strings.IndexFunc(w, func(r rune) bool { return r < 'A' || r > 'Z' }) < 0 {
		return true
	}
	_, err := currency.ParseISO(strings.ToUpper(w))
	return err == nil && strings.ToLower(w) != "the"
}

// quantity reads "x3", "3x", "×3", "qty=3" style counts.
func quantity(w string) (int, bool) {
	w = strings.TrimPrefix(strings.TrimPrefix(strings.TrimSuffix(w, "x"), "x"), "×")
	if w == "" {
		return 0, false
	}
	n, err := strconv.Atoi(w)
	return n, err == nil && n > 0 && n < 1_000_000
}

// termDays reads "30d", "30", "30days", "30hari".
func termDays(w string) (int, bool) {
	w = strings.ToLower(w)
	for _, suf := range []string{"days", "day", "hari", "天", "d"} {
		w = strings.TrimSuffix(w, suf)
	}
	n, err := strconv.Atoi(w)
	return n, err == nil && n > 0 && n <= 3650
}

// parseAmount reads a positive amount with the currency's decimals; commas
// group thousands ("1,250.50").
func parseAmount(s, cur string) (int64, error) {
	bad := invalid("err_sale_amount", "amount", clip(s, 20))
	s = strings.ReplaceAll(s, ",", "")
	if s == "" || strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
		return 0, bad
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 || math.IsInf(f, 0) || math.IsNaN(f) || f > 1e12 {
		return 0, bad
	}
	return int64(math.Round(f * math.Pow10(scale(cur)))), nil
}

// scale is the number of decimals a currency is counted in (cash rounding:
// rupiah 0, ringgit 2).
func scale(cur string) int {
	u, err := currency.ParseISO(cur)
	if err != nil {
		return 2
	}
	sc, _ := currency.Cash.Rounding(u)
	return sc
}

// money shows an amount the way the business's region writes it. Every
// amount a reply shows goes through here.
func (h *Handler) money(m crm.Money) string { return formatMoney(m) }

// formatMoney shows an amount as "MYR 1,250.00".
func formatMoney(m crm.Money) string {
	sc := scale(m.Currency)
	v := float64(m.Minor) / math.Pow10(sc)
	s := strconv.FormatFloat(v, 'f', sc, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 && r != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	return m.Currency + " " + b.String()
}
