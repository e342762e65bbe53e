package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/money"
)

// maxQuantity bounds a sale's quantity: more is a typo for an amount.
const maxQuantity = 100_000

// pendingFor is how long a sale that was asked about waits for Save.
const pendingFor = 24 * time.Hour

// sale: sale Siti: 1250 MYR solar panel x3 card · sale Tan: 800 pump credit 30d
// · sale Budi: 1,5 juta genset tunai · sale Siti: 2 x iPhone 15 @ RM 4,999 card.
// A line read without doubt is recorded; one with a doubt is kept under a
// short key and asked about ("sale !<key>" records it, once).
func (h *Handler) sale(ctx context.Context, r *request) (Reply, error) {
	if key, ok := strings.CutPrefix(strings.TrimSpace(r.args), "!"); ok {
		return h.confirmSale(ctx, r, key)
	}
	who, rest, ok := splitColon(r.args)
	if who == "" {
		return Reply{}, invalid("err_sale_form")
	}
	if !ok || rest == "" {
		return Reply{Blocks: []Block{{Text: h.cat.T(r.lang, "ask_sale")}}, Prompt: "sale " + who + ":"}, nil
	}
	line, err := h.parseSale(rest)
	if err != nil {
		return Reply{}, err
	}
	p, err := h.customer(ctx, r, who, func(ref string) string { return "sale " + ref + ": " + rest })
	if err != nil || p.reply != nil {
		return deref(p.reply), err
	}
	line.Sale.CustomerID, line.Sale.Staff = p.customer.ID, r.Staff.ID
	if unusual(line.Sale.Amount, p.customer.Stats) {
		line.Doubts = append(line.Doubts, "sale_doubt_unusual")
	}
	if len(line.Doubts) > 0 {
		return h.askSale(ctx, r, line)
	}
	return h.recordSale(ctx, r, line, p.customer)
}

// saleLine is what a sale line says: the sale, the unit price when one was
// given, and what the parser is not sure of.
type saleLine struct {
	Sale crm.Sale
	Unit *crm.Money `json:",omitempty"`
	// Others are other amounts the line may mean (minor units of the sale's
	// currency), each offered as its own Save.
	Others []int64 `json:",omitempty"`
	// Doubts are catalogue keys of the reasons to ask rather than save:
	//   - sale_doubt_marks: a dot or comma that means thousands or decimals
	//     depending on who typed it ("1.500" in Malaysia, "1,500" in
	//     Indonesia, "1,5" where the comma is no decimal mark);
	//   - sale_doubt_multiplier: a multiplier next to such a number ("1.500 juta");
	//   - sale_doubt_two_amounts: two totals, two unit prices, or a total
	//     that is not quantity × unit price;
	//   - sale_doubt_quantity: two quantities;
	//   - sale_doubt_payment: a negated method with no other ("bukan tunai"),
	//     or two different methods;
	//   - sale_doubt_unusual: 1,000 times above or below what the customer
	//     usually pays in that currency (Stats.Spent / Stats.Orders).
	// A computed total (2 x iPhone 15 @ RM 4,999) is no doubt: both the
	// total and the unit price are shown in the confirmation.
	Doubts []string `json:",omitempty"`
}

// recordSale saves a sale and shows every field saved.
func (h *Handler) recordSale(ctx context.Context, r *request, line *saleLine, before *crm.Customer) (Reply, error) {
	s := line.Sale
	s.At = h.now()
	if s.Credit != nil {
		s.Credit.DueAt = s.At.AddDate(0, 0, s.Credit.TermDays)
	}
	now := h.cfg.Now()
	if err := h.store.RecordSale(ctx, &s, func(st crm.Stats) crm.Tier { return h.cfg.Tiers.Tier(st, now) }); err != nil {
		return Reply{}, err
	}
	h.audit(ctx, r, s.CustomerID)
	b := Block{Text: h.saleHeadline(r, &s, before), Fields: h.saleFields(r, &saleLine{Sale: s, Unit: line.Unit})}
	b.Buttons = []Button{{Label: h.cat.T(r.lang, "btn_show"), Command: "show #" + string(s.CustomerID)}}
	return Reply{Blocks: []Block{b}}, nil
}

// saleFields are the fields of a sale as shown before and after saving.
func (h *Handler) saleFields(r *request, line *saleLine) []Field {
	s := line.Sale
	fs := []Field{{Label: h.cat.T(r.lang, "field_amount"), Value: h.money(s.Amount)}}
	if line.Unit != nil {
		fs = append(fs, Field{Label: h.cat.T(r.lang, "field_unit_price"), Value: h.money(*line.Unit)})
	}
	fs = append(fs,
		Field{Label: h.cat.T(r.lang, "field_product"), Value: s.Product},
		Field{Label: h.cat.T(r.lang, "field_quantity"), Value: strconv.Itoa(s.Quantity)},
		Field{Label: h.cat.T(r.lang, "field_payment"), Value: string(s.Payment)})
	if s.Credit != nil {
		due := s.Credit.DueAt
		if due.IsZero() {
			due = h.now().AddDate(0, 0, s.Credit.TermDays)
		}
		fs = append(fs, Field{Label: h.cat.T(r.lang, "field_due"), Value: due.Format("2006-01-02")})
	}
	if s.Campaign != "" {
		fs = append(fs, Field{Label: h.cat.T(r.lang, "field_campaign"), Value: s.Campaign})
	}
	return fs
}

// askSale keeps the parsed sale under a short key and asks: one Save per
// reading, and Fix, which prompts for the line again. A Button.Command must
// fit Telegram's 64-byte callback data, so the sale itself stays in the store.
func (h *Handler) askSale(ctx context.Context, r *request, line *saleLine) (Reply, error) {
	var raw [5]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return Reply{}, err
	}
	key := hex.EncodeToString(raw[:])
	data, err := json.Marshal(line)
	if err != nil {
		return Reply{}, err
	}
	if err := h.store.PutState(ctx, pendingSaleKey(key), data, h.cfg.Now().Add(pendingFor)); err != nil {
		return Reply{}, err
	}
	s := line.Sale
	var why []string
	for _, d := range line.Doubts {
		why = append(why, h.cat.T(r.lang, d))
	}
	text := h.cat.T(r.lang, "sale_doubt_read", "amount", h.money(s.Amount), "quantity", s.Quantity, "product", s.Product)
	if line.Unit != nil {
		text = h.cat.T(r.lang, "sale_doubt_read_unit", "amount", h.money(s.Amount), "quantity", s.Quantity, "product", s.Product, "unit", h.money(*line.Unit))
	}
	b := Block{Text: text + " " + strings.Join(why, " "), Fields: h.saleFields(r, line)}
	b.Buttons = []Button{{Label: h.cat.T(r.lang, "btn_sale_save", "amount", h.money(s.Amount)), Command: "sale !" + key}}
	for i, m := range line.Others {
		b.Buttons = append(b.Buttons, Button{
			Label:   h.cat.T(r.lang, "btn_sale_save", "amount", h.money(crm.Money{Minor: m, Currency: s.Amount.Currency})),
			Command: "sale !" + key + " " + strconv.Itoa(i+1),
		})
	}
	b.Buttons = append(b.Buttons, Button{Label: h.cat.T(r.lang, "btn_sale_fix"), Command: "sale #" + string(s.CustomerID) + ":"})
	return Reply{Blocks: []Block{b}}, nil
}

func pendingSaleKey(key string) string { return "sale:" + key }

// IsAmount reports whether text reads as one amount the way the business's
// region writes it ("1,5 juta", "RM 2k", "₹1,50,000"), for forms that check
// an amount field before sending the sale line. An amount whose marks are
// unclear reads too: the sale then asks about it.
func (h *Handler) IsAmount(text string) bool {
	_, err := money.Parse(text, h.cfg.Region)
	return err == nil
}

// confirmSale records a sale kept by askSale: "sale !<key>" its first
// reading, "sale !<key> <n>" the n-th other one. The key is removed before
// the sale is written, so a second press records nothing.
func (h *Handler) confirmSale(ctx context.Context, r *request, arg string) (Reply, error) {
	key, pick, _ := strings.Cut(strings.TrimSpace(arg), " ")
	data, err := h.store.State(ctx, pendingSaleKey(key), h.cfg.Now())
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		return Reply{Blocks: []Block{{Text: h.cat.T(r.lang, "sale_pending_gone")}}}, nil
	}
	if err != nil {
		return Reply{}, err
	}
	var line saleLine
	if err := json.Unmarshal(data, &line); err != nil {
		return Reply{}, err
	}
	if pick != "" {
		n, err := strconv.Atoi(pick)
		if err != nil || n < 1 || n > len(line.Others) {
			return Reply{}, invalid("err_sale_form")
		}
		line.Sale.Amount.Minor = line.Others[n-1]
		if line.Unit != nil && line.Sale.Quantity > 0 {
			line.Unit.Minor = line.Others[n-1] / int64(line.Sale.Quantity)
		}
	}
	if err := h.store.DeleteState(ctx, pendingSaleKey(key)); err != nil {
		return Reply{}, err
	}
	c, err := h.store.Customer(ctx, line.Sale.CustomerID)
	if err != nil {
		return Reply{}, err
	}
	return h.recordSale(ctx, r, &line, c)
}

// unusual reports an amount 1,000 times above or below what the customer
// usually pays in that currency: a slipped "k" or a missing "juta".
func unusual(m crm.Money, st crm.Stats) bool {
	spent := st.Spent[m.Currency]
	if st.Orders == 0 || spent <= 0 {
		return false
	}
	usual := spent / int64(st.Orders)
	return usual > 0 && (m.Minor/1000 >= usual || m.Minor*1000 <= usual)
}

// scale is the number of decimals a currency is counted in (cash rounding:
// rupiah 0, ringgit 2).
func scale(cur string) int { return money.Digits(cur) }

// money shows an amount the way the business's region writes it. Every
// amount a reply shows goes through here.
func (h *Handler) money(m crm.Money) string { return money.Format(m.Minor, m.Currency, h.cfg.Region) }

// paymentWords are what staff type for a payment method, in lower case:
// English, Malay, Indonesian, Chinese (both scripts) and Hindi. Phrases
// of several words are matched before single words, so "credit card" is a
// card and "power bank" no transfer.
var paymentWords = map[string]crm.PaymentMethod{
	"cash": crm.PayCash, "tunai": crm.PayCash, "kontan": crm.PayCash, "现金": crm.PayCash, "現金": crm.PayCash, "नकद": crm.PayCash, "नक़द": crm.PayCash,
	"card": crm.PayCard, "kad": crm.PayCard, "kartu": crm.PayCard, "刷卡": crm.PayCard, "信用卡": crm.PayCard, "credit card": crm.PayCard,
	"kad kredit": crm.PayCard, "kartu kredit": crm.PayCard, "कार्ड": crm.PayCard,
	"debit": crm.PayDebit, "debit card": crm.PayDebit, "kad debit": crm.PayDebit, "kartu debit": crm.PayDebit,
	"transfer": crm.PayTransfer, "bank transfer": crm.PayTransfer, "pindahan": crm.PayTransfer, "pindahan bank": crm.PayTransfer,
	"转账": crm.PayTransfer, "轉帳": crm.PayTransfer, "轉賬": crm.PayTransfer, "银行转账": crm.PayTransfer, "duitnow": crm.PayTransfer,
	"neft": crm.PayTransfer, "imps": crm.PayTransfer, "rtgs": crm.PayTransfer,
	"paypal": crm.PayPayPal,
	"cod":    crm.PayCOD,
	"cheque": crm.PayCheque, "cek": crm.PayCheque, "支票": crm.PayCheque, "चेक": crm.PayCheque,
	"credit": crm.PayCredit, "kredit": crm.PayCredit, "hutang": crm.PayCredit, "赊账": crm.PayCredit, "賒帳": crm.PayCredit, "उधार": crm.PayCredit,
	"ewallet": crm.PayEWallet, "e-wallet": crm.PayEWallet, "tng": crm.PayEWallet, "touch 'n go": crm.PayEWallet, "touch n go": crm.PayEWallet,
	"touchngo": crm.PayEWallet, "qris": crm.PayEWallet, "gopay": crm.PayEWallet, "ovo": crm.PayEWallet, "dana": crm.PayEWallet,
	"shopeepay": crm.PayEWallet, "grabpay": crm.PayEWallet, "upi": crm.PayEWallet, "gpay": crm.PayEWallet, "phonepe": crm.PayEWallet,
	"paytm": crm.PayEWallet, "微信": crm.PayEWallet, "微信支付": crm.PayEWallet, "wechat pay": crm.PayEWallet, "wechatpay": crm.PayEWallet,
	"支付宝": crm.PayEWallet, "支付寶": crm.PayEWallet, "alipay": crm.PayEWallet,
}

// negations before a payment word ("not cash", "bukan tunai", "不是现金")
// or, in Hindi, after it ("नकद नहीं"): that method is not the one.
var negationsBefore = map[string]bool{"not": true, "no": true, "non": true, "bukan": true, "tak": true, "tidak": true, "tiada": true, "不是": true, "不": true, "没有": true, "沒有": true, "不用": true, "非": true}
var negationsAfter = map[string]bool{"नहीं": true, "नही": true}

// unitWords after a count make it a quantity: "3 unit", "5 pcs", "2 biji", "3个".
var unitWords = map[string]bool{"unit": true, "units": true, "pcs": true, "pc": true, "piece": true, "pieces": true, "nos": true,
	"set": true, "sets": true, "biji": true, "buah": true, "个": true, "個": true, "台": true, "件": true, "只": true, "套": true, "पीस": true}

// unitBefore and unitAfter mark a unit price: "@ RM 4,999", "每个 500元",
// "प्रति ₹500"; "RM 4,999 each", "Rp 50.000 setiap", "RM 20 per unit".
var unitBefore = map[string]bool{"@": true, "每个": true, "每個": true, "प्रति": true, "setiap": true, "each": true}
var unitAfter = map[string]bool{"each": true, "ea": true, "setiap": true, "每个": true, "每個": true, "प्रति": true, "/unit": true, "/pc": true, "seunit": true, "sebiji": true}

// dayWords after a number give a credit term: "30 days", "30 hari", "30天", "30 दिन".
var dayWords = []string{"days", "day", "hari", "天", "日", "दिन", "d"}

// word is one word of a sale line and what it was taken for.
type word struct {
	text, lower string
	used        bool
}

// parseSale reads a sale line: an amount (or a unit price), a product, a
// quantity, a payment and credit terms, in any order staff type them. What
// it cannot read is refused; what it reads without certainty is a Doubt.
func (h *Handler) parseSale(s string) (*saleLine, error) {
	head, kvs := splitKV(s)
	line := &saleLine{Sale: crm.Sale{Quantity: 1}}
	for _, x := range kvs {
		switch x.key {
		case "campaign":
			var rest string
			line.Sale.Campaign, rest = campaignValue(x.value)
			head = strings.TrimSpace(head + " " + rest)
		default:
			return nil, invalid("err_unknown_field", "key", x.key)
		}
	}
	ws := saleWords(head)
	if len(ws) == 0 {
		return nil, invalid("err_sale_amount", "amount", "")
	}
	if err := line.readPayment(ws); err != nil {
		return nil, err
	}
	if err := line.readQuantity(ws); err != nil {
		return nil, err
	}
	if err := line.readAmount(ws, h.cfg.Region); err != nil {
		return nil, err
	}
	var product []string
	for _, w := range ws {
		if !w.used {
			product = append(product, w.text)
		}
	}
	line.Sale.Product = clip(strings.Trim(strings.Join(product, " "), " ,;"), 120)
	if line.Sale.Product == "" {
		return nil, invalid("err_sale_product")
	}
	return line, nil
}

// saleWords splits a line into words, setting "@" and the Chinese "each"
// apart from what they are typed against ("@RM4,999", "每个500元").
func saleWords(s string) []*word {
	for _, sep := range []string{"@", "每个", "每個"} {
		s = strings.ReplaceAll(s, sep, " "+sep+" ")
	}
	var ws []*word
	for _, f := range strings.Fields(splitHan(s)) {
		ws = append(ws, &word{text: f, lower: strings.ToLower(strings.Trim(f, ",;.!?。，"))})
	}
	return ws
}

// hanSuffixes follow a number in Chinese: a currency, a multiplier, a
// measure word or days ("500元", "1.5万", "3台", "30天").
const hanSuffixes = "元块塊万萬千亿億台个個件只套天日"

// splitHan sets numbers apart from the Chinese words they are typed
// against, as Chinese is written without spaces: "赊账30天" is "赊账 30天",
// "水泵3台" is "水泵 3台", "500元水泵" is "500元 水泵".
func splitHan(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		if i > 0 {
			prev := rs[i-1]
			switch {
			case unicode.Is(unicode.Han, prev) && isDigit(r):
				b.WriteByte(' ')
			case unicode.Is(unicode.Han, r) && !strings.ContainsRune(hanSuffixes, r) && numberBefore(rs[:i]):
				b.WriteByte(' ')
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}

// numberBefore: rs ends with a number and Chinese suffixes ("500元", "1.5万元").
func numberBefore(rs []rune) bool {
	i := len(rs)
	for i > 0 && strings.ContainsRune(hanSuffixes, rs[i-1]) {
		i--
	}
	return i > 0 && i < len(rs) && isDigit(rs[i-1])
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' || r >= '０' && r <= '９' }

// phraseAt matches the longest payment phrase (up to three words) at i.
func phraseAt(ws []*word, i int) (crm.PaymentMethod, int) {
	for n := 3; n >= 1; n-- {
		if i+n > len(ws) {
			continue
		}
		var parts []string
		for _, w := range ws[i : i+n] {
			parts = append(parts, w.lower)
		}
		if m, ok := paymentWords[strings.Join(parts, " ")]; ok {
			return m, n
		}
	}
	return "", 0
}

// readPayment takes the payment words and credit terms. A negated method
// is not taken; one negated with nothing else said, or two different
// methods, is a doubt. No payment said is cash.
func (l *saleLine) readPayment(ws []*word) error {
	var methods []crm.PaymentMethod
	negated := false
	for i := 0; i < len(ws); i++ {
		m, n := phraseAt(ws, i)
		if n == 0 {
			continue
		}
		neg := i > 0 && negationsBefore[ws[i-1].lower] && !ws[i-1].used
		if neg {
			ws[i-1].used = true
		}
		if i+n < len(ws) && negationsAfter[ws[i+n].lower] {
			neg = true
			ws[i+n].used = true
		}
		for _, w := range ws[i : i+n] {
			w.used = true
		}
		i += n - 1
		if neg {
			negated = true
			continue
		}
		methods = append(methods, m)
		if m == crm.PayCredit {
			l.Sale.Credit = &crm.Credit{TermDays: 30}
			days, used, err := termDays(ws[i+1:])
			if err != nil {
				return err
			}
			if used > 0 {
				l.Sale.Credit.TermDays = days
				i += used
			}
		}
	}
	switch {
	case len(methods) == 0 && negated:
		l.Doubts = append(l.Doubts, "sale_doubt_payment")
	case len(methods) == 0:
		l.Sale.Payment = crm.PayCash
	}
	for _, m := range methods {
		if m != methods[0] {
			l.Doubts = append(l.Doubts, "sale_doubt_payment")
			break
		}
	}
	if len(methods) > 0 {
		l.Sale.Payment = methods[0]
	}
	if l.Sale.Payment == "" {
		l.Sale.Payment = crm.PayCash
	}
	if l.Sale.Payment != crm.PayCredit {
		l.Sale.Credit = nil
	}
	return nil
}

// termDays reads a credit term at the start of ws: "30d", "30days",
// "30 hari", "30天", "30 दिन", or a bare "30". It returns how many words
// it used; a term out of range is refused.
func termDays(ws []*word) (days, used int, err error) {
	if len(ws) == 0 {
		return 0, 0, nil
	}
	w := ws[0].lower
	num, unit := w, ""
	for _, d := range dayWords {
		if n, ok := strings.CutSuffix(w, d); ok && n != "" {
			num, unit = n, d
			break
		}
	}
	n, convErr := strconv.Atoi(num)
	if convErr != nil {
		return 0, 0, nil
	}
	if n <= 0 || n > 3650 {
		return 0, 0, invalid("err_sale_term", "term", clip(ws[0].text, 20))
	}
	ws[0].used, used = true, 1
	if unit == "" && len(ws) > 1 {
		for _, d := range dayWords {
			if ws[1].lower == d {
				ws[1].used, used = true, 2
				break
			}
		}
	}
	return n, used, nil
}

// count reads a whole number of ASCII digits.
func count(s string) (int, bool) {
	if s == "" || len(s) > 12 || strings.Trim(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// readQuantity takes the quantity: "x3", "×3", "3x", "x 3", "2 x iPhone 15",
// "3 unit", "5pcs", "3个". A quantity below 1 or above maxQuantity is
// refused, never kept as product text; two quantities are a doubt.
func (l *saleLine) readQuantity(ws []*word) error {
	var found []int
	take := func(raw string, ws ...*word) error {
		n, ok := count(raw)
		if !ok || n < 1 || n > maxQuantity {
			return invalid("err_sale_quantity", "quantity", clip(raw, 20), "max", maxQuantity)
		}
		for _, w := range ws {
			w.used = true
		}
		found = append(found, n)
		return nil
	}
	for i, w := range ws {
		if w.used {
			continue
		}
		var next *word
		if i+1 < len(ws) && !ws[i+1].used {
			next = ws[i+1]
		}
		t := w.text
		switch {
		case (t == "x" || t == "×") && i == 1 && isCount(ws[0].text) && !ws[0].used:
			// "2 x iPhone 15": the count comes first.
			if err := take(ws[0].text, ws[0], w); err != nil {
				return err
			}
		case (t == "x" || t == "×") && next != nil && signedCount(next.text):
			if err := take(next.text, w, next); err != nil {
				return err
			}
		case len(t) > 1 && (t[0] == 'x' || strings.HasPrefix(t, "×")) && signedCount(strings.TrimPrefix(strings.TrimPrefix(t, "x"), "×")):
			if err := take(strings.TrimPrefix(strings.TrimPrefix(t, "x"), "×"), w); err != nil {
				return err
			}
		case len(t) > 1 && (strings.HasSuffix(t, "x") || strings.HasSuffix(t, "×")) && isCount(strings.TrimSuffix(strings.TrimSuffix(t, "x"), "×")):
			if err := take(strings.TrimSuffix(strings.TrimSuffix(t, "x"), "×"), w); err != nil {
				return err
			}
		case isCount(t) && next != nil && unitWords[next.lower]:
			if err := take(t, w, next); err != nil {
				return err
			}
		default:
			if n, ok := attachedUnit(w.lower); ok {
				if err := take(n, w); err != nil {
					return err
				}
			}
		}
	}
	if len(found) > 1 {
		l.Doubts = append(l.Doubts, "sale_doubt_quantity")
	}
	if len(found) > 0 {
		l.Sale.Quantity = found[0]
	}
	return nil
}

// isCount is a word of ASCII digits; signedCount also takes a sign, so
// that "x-3" is refused as a quantity rather than kept as text.
func isCount(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }
func signedCount(s string) bool {
	return isCount(strings.TrimLeft(s, "+-")) || isCount(s)
}

// attachedUnit reads "5pcs", "3个", "2unit".
func attachedUnit(w string) (string, bool) {
	for u := range unitWords {
		if n, ok := strings.CutSuffix(w, u); ok && isCount(n) {
			return n, true
		}
	}
	return "", false
}

// amountAt reads the longest run of up to three words at i as one amount
// ("RM 4,999", "1,5 juta", "¥8000 CNY", "99.90 USD").
func amountAt(ws []*word, i int, region string) (money.Reading, int, error) {
	var lastErr error = money.ErrNotAmount
	for n := 3; n >= 1; n-- {
		if i+n > len(ws) {
			continue
		}
		var parts []string
		ok := true
		for _, w := range ws[i : i+n] {
			ok = ok && !w.used
			parts = append(parts, w.text)
		}
		if !ok {
			continue
		}
		r, err := money.Parse(strings.TrimRight(strings.Join(parts, " "), ",;"), region)
		if err == nil {
			return r, n, nil
		}
		if !errors.Is(err, money.ErrNotAmount) && errors.Is(lastErr, money.ErrNotAmount) {
			lastErr = err
		}
	}
	return money.Reading{}, 0, lastErr
}

// found is one amount read in a line.
type found struct {
	money.Reading
	at, n int
	unit  bool
}

// readAmount takes the amount and the unit price. The first words of the
// line are an amount if they read as one ("800 pump"); elsewhere only an
// amount with a currency or a multiplier ("iPhone 15 Pro RM1,250.50",
// "genset 2jt"), or one marked as a unit price ("@ 4999"), counts: other
// numbers are part of the product ("iPhone 15 Pro", "Honda EX5 110").
func (l *saleLine) readAmount(ws []*word, region string) error {
	var amounts []found
	for i := 0; i < len(ws); i++ {
		if ws[i].used {
			continue
		}
		before := i > 0 && unitBefore[ws[i-1].lower] && !ws[i-1].used
		r, n, err := amountAt(ws, i, region)
		if err != nil {
			if !errors.Is(err, money.ErrNotAmount) && (i == 0 || before || strongWord(ws[i].text, region)) {
				return amountError(ws[i].text, err)
			}
			continue
		}
		after := i+n < len(ws) && !ws[i+n].used && (unitAfter[ws[i+n].lower] || perUnit(ws, i+n))
		if !(i == 0 || r.Typed || r.Multiplied || before || after) {
			continue
		}
		f := found{Reading: r, at: i, n: n, unit: before || after}
		for _, w := range ws[i : i+n] {
			w.used = true
		}
		switch {
		case before:
			ws[i-1].used = true
		case after && perUnit(ws, i+n):
			ws[i+n].used, ws[i+n+1].used = true, true
		case after:
			ws[i+n].used = true
		}
		amounts = append(amounts, f)
		i += n - 1
	}
	if len(amounts) == 0 {
		return invalid("err_sale_amount", "amount", clip(ws[0].text, 20))
	}
	// A code after the amount that is no currency is refused, not sold.
	for _, w := range ws {
		if !w.used && len(w.text) == 3 && strings.ToUpper(w.text) == w.text && strings.Trim(w.text, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == "" && !money.Known(w.text) && w == nextUnused(ws, amounts[0]) {
			return invalid("err_sale_currency", "currency", w.text)
		}
	}
	var total, unit *found
	for i := range amounts {
		a := &amounts[i]
		switch {
		case a.unit && unit == nil:
			unit = a
		case !a.unit && total == nil:
			total = a
		default:
			l.Doubts = appendOnce(l.Doubts, "sale_doubt_two_amounts")
		}
	}
	q := int64(l.Sale.Quantity)
	if unit != nil {
		u := crm.Money{Minor: unit.Minor, Currency: unit.Currency}
		l.Unit = &u
		if unit.Minor > math.MaxInt64/q || unit.Minor*q > money.Max*int64(math.Pow10(money.Digits(unit.Currency))) {
			return invalid("err_sale_amount", "amount", clip(ws[unit.at].text, 20))
		}
		if total == nil {
			l.Sale.Amount = crm.Money{Minor: unit.Minor * q, Currency: unit.Currency}
			l.noteUnsure(unit.Reading, q)
			return nil
		}
		if total.Currency != unit.Currency || total.Minor != unit.Minor*q {
			l.Doubts = appendOnce(l.Doubts, "sale_doubt_two_amounts")
		}
		l.noteUnsure(unit.Reading, 1)
	}
	l.Sale.Amount = crm.Money{Minor: total.Minor, Currency: total.Currency}
	l.noteUnsure(total.Reading, 1)
	return nil
}

// noteUnsure adds a doubt, and the other readings scaled by times, for an
// amount whose marks could mean another one.
func (l *saleLine) noteUnsure(r money.Reading, times int64) {
	if !r.Unsure {
		return
	}
	if r.Multiplied {
		l.Doubts = appendOnce(l.Doubts, "sale_doubt_multiplier")
	} else {
		l.Doubts = appendOnce(l.Doubts, "sale_doubt_marks")
	}
	for _, o := range r.Others {
		if o <= math.MaxInt64/times {
			l.Others = append(l.Others, o*times)
		}
	}
}

// perUnit is "per unit" / "per pc" / "per piece" at i.
func perUnit(ws []*word, i int) bool {
	return i+1 < len(ws) && ws[i].lower == "per" && !ws[i+1].used && unitWords[ws[i+1].lower]
}

// strongWord is a word that is plainly meant as money: it starts with a
// currency symbol or code, so an error reading it is the user's to fix.
func strongWord(w, region string) bool {
	_, err := money.Parse(w+"1", region)
	return err == nil && !isCount(w)
}

func nextUnused(ws []*word, f found) *word {
	if i := f.at + f.n; i < len(ws) {
		return ws[i]
	}
	return nil
}

// amountError is the one sentence for an amount that cannot be kept.
func amountError(text string, err error) error {
	if errors.Is(err, money.ErrTooPrecise) {
		return invalid("err_sale_precision", "amount", clip(text, 20))
	}
	return invalid("err_sale_amount", "amount", clip(text, 20))
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
