package handlers

import (
	"context"
	"strconv"
	"strings"
	"unicode"

	"github.com/crmbot/crmbot/crm"
)

// recordWords maps what people call a record, in the catalogue languages,
// to the kind "edit" and "delete" act on.
var recordWords = map[string]string{
	"sale": "sale", "jualan": "sale", "penjualan": "sale", "销售": "sale", "銷售": "sale", "बिक्री": "sale",
	"log": "log", "contact": "log", "catatan": "log", "记录": "log", "記錄": "log", "लॉग": "log",
	"complaint": "complaint", "aduan": "complaint", "keluhan": "complaint", "投诉": "complaint", "投訴": "complaint", "शिकायत": "complaint",
}

// editKeys maps the setting names of "edit sale|log|complaint N:" to the
// field they change.
var editKeys = map[string]string{
	"amount": "amount", "jumlah": "amount", "harga": "amount", "金额": "amount", "金額": "amount", "राशि": "amount",
	"product": "product", "produk": "product", "barang": "product", "产品": "product", "產品": "product", "उत्पाद": "product",
	"qty": "qty", "quantity": "qty", "kuantiti": "qty", "jumlah_unit": "qty", "数量": "qty", "數量": "qty", "मात्रा": "qty",
	"payment": "payment", "pay": "payment", "bayaran": "payment", "pembayaran": "payment", "付款": "payment", "भुगतान": "payment",
	"notes": "notes", "note": "notes", "nota": "notes", "catatan": "notes", "备注": "notes", "備註": "notes", "नोट": "notes",
	"text": "text", "teks": "text", "内容": "text", "內容": "text", "विवरण": "text",
}

// recordRef reads "sale 57", "log #210", "complaint 12" at the start of
// args: the kind, the number and what follows. ok is false when args do
// not name a record, so "edit Sally: ..." stays a customer edit.
func recordRef(args string) (kind string, no int64, rest string, ok bool) {
	word, after, _ := strings.Cut(strings.TrimSpace(args), " ")
	kind, ok = recordWords[strings.ToLower(word)]
	if !ok {
		return "", 0, "", false
	}
	num, rest, _ := splitColon(after)
	num, extra, _ := strings.Cut(num, " ")
	no, err := strconv.ParseInt(strings.TrimPrefix(num, "#"), 10, 64)
	if err != nil || no <= 0 {
		return "", 0, "", false
	}
	if extra != "" { // "delete sale 57 yes"
		rest = strings.TrimSpace(extra + " " + rest)
	}
	return kind, no, rest, true
}

// mayChange reports whether the sender may correct a record by author:
// its author, a manager or an admin.
func mayChange(r *request, author crm.StaffID) error {
	if r.Staff.ID == author || r.Staff.Role.AtLeast(crm.RoleManager) {
		return nil
	}
	return crm.Errorf(crm.EFORBIDDEN, "err_record_forbidden")
}

// editRecord: edit sale 57: amount=1500 qty=2 · edit log 210: notes=... ·
// edit complaint 12: text=... product=...; anything else is a customer edit
// (handlers/customer.go).
func (h *Handler) editRecord(ctx context.Context, r *request) (Reply, error) {
	kind, no, rest, ok := recordRef(r.args)
	if !ok {
		return h.editCustomer(ctx, r)
	}
	st := h.store
	set, err := editSettings(kind, rest)
	if err != nil {
		return Reply{}, err
	}
	switch kind {
	case "sale":
		return h.editSale(ctx, r, st, crm.SaleNo(no), set)
	case "log":
		return h.editLog(ctx, r, st, crm.LogNo(no), set)
	}
	return h.editComplaint(ctx, r, st, crm.ComplaintNo(no), set)
}

// editCustomer runs a customer edit (handlers/customer.go) and journals
// the customer as it was, so undo can put the details back.
func (h *Handler) editCustomer(ctx context.Context, r *request) (Reply, error) {
	return h.journalled(ctx, r, crm.WriteEditCustomer, h.edit)
}

// lostRecord runs "lost" (handlers/lost.go) and journals the customer as
// it was, so undo can take the lost mark back.
func (h *Handler) lostRecord(ctx context.Context, r *request) (Reply, error) {
	return h.journalled(ctx, r, crm.WriteLost, h.lost)
}

// journalled runs a command that changes one named customer ("edit Siti:
// ...", "lost Tan: ...") and, when it succeeded, journals the customer as
// it was before. A line that does not name exactly one customer goes to
// the command as is, which asks or refuses.
func (h *Handler) journalled(ctx context.Context, r *request, kind crm.WriteKind, run func(context.Context, *request) (Reply, error)) (Reply, error) {
	st := h.store
	who, rest, ok := splitColon(r.args)
	if !ok || rest == "" {
		return run(ctx, r)
	}
	p, err := h.customer(ctx, r, who, func(ref string) string { return r.name + " " + ref + ": " + rest })
	if err != nil || p.reply != nil {
		return run(ctx, r)
	}
	rep, err := run(ctx, r)
	if err != nil || rep.Error {
		return rep, err
	}
	if err := st.NoteCustomerEdit(ctx, kind, r.Staff.ID, h.cfg.Now(), p.customer); err != nil {
		return Reply{}, err
	}
	return rep, nil
}

// editSettings reads "amount=1500 product=pump" (keys in any catalogue
// language). Text without a setting is the notes of a log or the text of a
// complaint; a sale needs settings.
func editSettings(kind, s string) (map[string]string, error) {
	s = strings.ReplaceAll(s, "＝", "=")
	for k := range editKeys { // keys in scripts splitKV does not read as keys
		if strings.IndexFunc(k, func(r rune) bool { return r > unicode.MaxASCII }) >= 0 {
			s = strings.ReplaceAll(s, k+"=", " "+editKeys[k]+"=")
		}
	}
	head, kvs := splitKV(s)
	set := map[string]string{}
	for _, x := range kvs {
		field, ok := editKeys[x.key]
		if !ok || !editable(kind, field) {
			return nil, invalid("err_edit_field", "key", clip(x.key, 20), "example", "edit "+kind+" 12: "+editExample(kind))
		}
		set[field] = x.value
	}
	if head = strings.TrimSpace(head); head != "" {
		field := map[string]string{"log": "notes", "complaint": "text"}[kind]
		if _, dup := set[field]; field == "" || dup {
			return nil, invalid("err_record_edit_form", "example", "edit "+kind+" 12: "+editExample(kind))
		}
		set[field] = head
	}
	if len(set) == 0 {
		return nil, invalid("err_record_edit_form", "example", "edit "+kind+" 12: "+editExample(kind))
	}
	return set, nil
}

func editable(kind, field string) bool {
	switch kind {
	case "sale":
		return field == "amount" || field == "product" || field == "qty" || field == "payment"
	case "log":
		return field == "notes"
	}
	return field == "text" || field == "product"
}

func editExample(kind string) string {
	switch kind {
	case "sale":
		return "amount=1500 product=solar panel qty=3 payment=card"
	case "log":
		return "notes=called about the quotation"
	}
	return "text=inverter stopped working product=inverter"
}

// change is one "old → new" line of a correction's reply.
func (h *Handler) change(r *request, labelKey, old, new string) Field {
	return Field{Label: h.cat.T(r.lang, labelKey), Value: old + " → " + new}
}

func (h *Handler) editSale(ctx context.Context, r *request, st crm.RecordStore, no crm.SaleNo, set map[string]string) (Reply, error) {
	s, err := st.SaleByNo(ctx, no)
	if err != nil {
		return Reply{}, err
	}
	if err := mayChange(r, s.Staff); err != nil {
		return Reply{}, err
	}
	var e crm.SaleEdit
	if v, ok := set["amount"]; ok {
		m, err := h.editAmount(v, s)
		if err != nil {
			return Reply{}, err
		}
		e.Amount = &m
	}
	if v, ok := set["product"]; ok {
		p := clip(strings.Join(strings.Fields(v), " "), 120)
		if p == "" {
			return Reply{}, invalid("err_sale_product")
		}
		e.Product = &p
	}
	if v, ok := set["qty"]; ok {
		q, ok := count(strings.TrimSpace(v))
		if !ok || q < 1 || q > maxQuantity {
			return Reply{}, invalid("err_edit_qty", "qty", clip(v, 20))
		}
		e.Quantity = &q
	}
	if v, ok := set["payment"]; ok {
		pay, credit, err := editPayment(v)
		if err != nil {
			return Reply{}, err
		}
		e.Payment, e.Credit = &pay, credit
	}
	was, now, err := st.EditSale(ctx, no, e, r.Staff.ID, h.cfg.Now(), h.tierNow())
	if err != nil {
		return Reply{}, err
	}
	h.audit(ctx, r, now.CustomerID)
	return h.editedReply(r, "sale", int64(no), h.saleChanges(r, was, now), now.CustomerID), nil
}

// editedReply says what a correction of a sale or complaint changed, or
// that it changed nothing.
func (h *Handler) editedReply(r *request, kind string, no int64, changes []Field, c crm.CustomerID) Reply {
	b := Block{Text: h.cat.T(r.lang, kind+"_edited", "no", no), Fields: changes}
	if len(changes) == 0 {
		b.Text = h.cat.T(r.lang, "record_unchanged", "what", h.cat.T(r.lang, "record_"+kind, "no", no))
	}
	b.Buttons = []Button{{Label: h.cat.T(r.lang, "btn_show"), Command: "show #" + string(c)}}
	return Reply{Blocks: []Block{b}}
}

// saleChanges lists what differs between two versions of a sale.
func (h *Handler) saleChanges(r *request, was, now *crm.Sale) []Field {
	var out []Field
	if was.Amount != now.Amount {
		out = append(out, h.change(r, "field_amount", h.money(was.Amount), h.money(now.Amount)))
	}
	if was.Product != now.Product {
		out = append(out, h.change(r, "field_product", was.Product, now.Product))
	}
	if was.Quantity != now.Quantity {
		out = append(out, h.change(r, "field_quantity", strconv.Itoa(was.Quantity), strconv.Itoa(now.Quantity)))
	}
	if paymentText(was) != paymentText(now) {
		out = append(out, h.change(r, "field_payment", paymentText(was), paymentText(now)))
	}
	return out
}

// complaintChanges lists what differs between two versions of a complaint.
func (h *Handler) complaintChanges(r *request, was, now *crm.Complaint) []Field {
	var out []Field
	if was.Text != now.Text {
		out = append(out, h.change(r, "field_complaint", clip(was.Text, 200), clip(now.Text, 200)))
	}
	if was.Product != now.Product {
		out = append(out, h.change(r, "field_product", orDash(was.Product), orDash(now.Product)))
	}
	return out
}

// editAmount reads a corrected amount with the sale command's own parser,
// as if the sale were typed again: "1500" keeps the sale's currency,
// "RM1,500" or "1500 SGD" name one.
func (h *Handler) editAmount(v string, s *crm.Sale) (crm.Money, error) {
	v = strings.TrimSpace(v)
	line := v + " " + s.Product
	if v != "" && strings.IndexFunc(v, func(r rune) bool { return !unicode.IsDigit(r) && r != '.' && r != ',' && r != '\'' }) < 0 {
		line = v + " " + s.Amount.Currency + " " + s.Product
	}
	parsed, err := h.parseSale(line)
	if err != nil {
		return crm.Money{}, err
	}
	if len(parsed.Doubts) > 0 || parsed.Unit != nil {
		return crm.Money{}, invalid("err_edit_amount_unclear", "amount", clip(v, 20))
	}
	return parsed.Sale.Amount, nil
}

// editPayment reads a corrected payment with the sale grammar's payment
// words: every word must be read ("credit 30 hari", "kad", "UPI"), and
// nothing unsure.
func editPayment(v string) (crm.PaymentMethod, *crm.Credit, error) {
	ws := saleWords(v)
	var l saleLine
	if err := l.readPayment(ws); err != nil {
		return "", nil, err
	}
	bad := invalid("err_edit_payment", "payment", clip(v, 20))
	if len(ws) == 0 || len(l.Doubts) > 0 {
		return "", nil, bad
	}
	for _, w := range ws {
		if !w.used {
			return "", nil, bad
		}
	}
	return l.Sale.Payment, l.Sale.Credit, nil
}

func paymentText(s *crm.Sale) string {
	if s.Credit != nil {
		return string(s.Payment) + " " + strconv.Itoa(s.Credit.TermDays) + "d"
	}
	return string(s.Payment)
}

func (h *Handler) editLog(ctx context.Context, r *request, st crm.RecordStore, no crm.LogNo, set map[string]string) (Reply, error) {
	it, err := st.InteractionByNo(ctx, no)
	if err != nil {
		return Reply{}, err
	}
	if err := mayChange(r, it.Staff); err != nil {
		return Reply{}, err
	}
	was, now, err := st.EditInteraction(ctx, no, clip(set["notes"], 2000), r.Staff.ID, h.cfg.Now())
	if err != nil {
		return Reply{}, err
	}
	h.audit(ctx, r, now.CustomerID)
	return Reply{Blocks: []Block{{
		Text:    h.cat.T(r.lang, "log_edited", "no", int64(no)),
		Fields:  []Field{h.change(r, "field_notes", clip(was.Notes, 200), clip(now.Notes, 200))},
		Buttons: []Button{{Label: h.cat.T(r.lang, "btn_show"), Command: "show #" + string(now.CustomerID)}},
	}}}, nil
}

func (h *Handler) editComplaint(ctx context.Context, r *request, st crm.RecordStore, no crm.ComplaintNo, set map[string]string) (Reply, error) {
	c, err := h.store.Complaint(ctx, no)
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		return Reply{}, crm.Errorf(crm.ENOTFOUND, "err_complaint_not_found", "no", int64(no))
	}
	if err != nil {
		return Reply{}, err
	}
	if err := mayChange(r, c.OpenedBy); err != nil {
		return Reply{}, err
	}
	var e crm.ComplaintEdit
	if v, ok := set["text"]; ok {
		t := clip(strings.TrimSpace(v), 2000)
		e.Text = &t
	}
	if v, ok := set["product"]; ok {
		p := clip(strings.Join(strings.Fields(v), " "), 80)
		e.Product = &p
	}
	was, now, err := st.EditComplaint(ctx, no, e, r.Staff.ID, h.cfg.Now())
	if err != nil {
		return Reply{}, err
	}
	h.audit(ctx, r, now.CustomerID)
	return h.editedReply(r, "complaint", int64(no), h.complaintChanges(r, was, now), now.CustomerID), nil
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// confirmWords answer the delete question; the button sends "yes".
var confirmWords = map[string]bool{"yes": true, "ya": true, "confirm": true, "是": true, "确认": true, "確認": true, "हाँ": true}

// deleteRecord: delete sale 57 · delete log 210 · delete complaint 12. It
// first shows the record and asks; "delete sale 57 yes" (the button) removes it.
func (h *Handler) deleteRecord(ctx context.Context, r *request) (Reply, error) {
	kind, no, rest, ok := recordRef(r.args)
	if !ok {
		return Reply{}, invalid("err_delete_form")
	}
	st := h.store
	confirmed := confirmWords[strings.ToLower(strings.TrimSpace(rest))]
	if rest != "" && !confirmed {
		return Reply{}, invalid("err_delete_form")
	}
	var author crm.StaffID
	var customer crm.CustomerID
	var what Block
	switch kind {
	case "sale":
		s, err := st.SaleByNo(ctx, crm.SaleNo(no))
		if err != nil {
			return Reply{}, err
		}
		author, customer, what = s.Staff, s.CustomerID, h.saleBlock(r, s)
	case "log":
		it, err := st.InteractionByNo(ctx, crm.LogNo(no))
		if err != nil {
			return Reply{}, err
		}
		author, customer, what = it.Staff, it.CustomerID, h.logBlock(r, it)
	default:
		c, err := h.store.Complaint(ctx, crm.ComplaintNo(no))
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			return Reply{}, crm.Errorf(crm.ENOTFOUND, "err_complaint_not_found", "no", no)
		}
		if err != nil {
			return Reply{}, err
		}
		author, customer, what = c.OpenedBy, c.CustomerID, h.complaintBlock(r, c)
	}
	if err := mayChange(r, author); err != nil {
		return Reply{}, err
	}
	name := h.cat.T(r.lang, "record_"+kind, "no", no)
	if !confirmed {
		what.Text = h.cat.T(r.lang, "delete_confirm", "what", name)
		what.Buttons = []Button{{Label: h.cat.T(r.lang, "btn_delete"), Command: "delete " + kind + " " + strconv.FormatInt(no, 10) + " yes"}}
		return Reply{Blocks: []Block{what}}, nil
	}
	now := h.cfg.Now()
	var err error
	switch kind {
	case "sale":
		_, err = st.DeleteSale(ctx, crm.SaleNo(no), r.Staff.ID, now, h.tierNow())
	case "log":
		_, err = st.DeleteInteraction(ctx, crm.LogNo(no), r.Staff.ID, now)
	default:
		_, err = st.DeleteComplaint(ctx, crm.ComplaintNo(no), r.Staff.ID, now)
	}
	if err != nil {
		return Reply{}, err
	}
	h.audit(ctx, r, customer)
	what.Text = h.cat.T(r.lang, "record_deleted", "what", name) + "\n" + h.cat.T(r.lang, "undo_hint")
	return Reply{Blocks: []Block{what}}, nil
}

// tierNow computes tiers at the handler's clock.
func (h *Handler) tierNow() func(crm.Stats) crm.Tier {
	now := h.cfg.Now()
	return func(st crm.Stats) crm.Tier { return h.cfg.Tiers.Tier(st, now) }
}

// saleBlock, logBlock and complaintBlock show a record's fields.
func (h *Handler) saleBlock(r *request, s *crm.Sale) Block {
	return Block{Fields: []Field{
		{Label: h.cat.T(r.lang, "field_amount"), Value: h.money(s.Amount)},
		{Label: h.cat.T(r.lang, "field_product"), Value: s.Product + " × " + strconv.Itoa(s.Quantity)},
		{Label: h.cat.T(r.lang, "field_payment"), Value: paymentText(s)},
		{Label: h.cat.T(r.lang, "field_when"), Value: h.when(s.At)},
	}}
}

func (h *Handler) logBlock(r *request, it *crm.Interaction) Block {
	return Block{Fields: []Field{
		{Label: h.cat.T(r.lang, "field_kind"), Value: h.cat.T(r.lang, "kind_"+string(it.Kind))},
		{Label: h.cat.T(r.lang, "field_notes"), Value: clip(it.Notes, 200)},
		{Label: h.cat.T(r.lang, "field_when"), Value: h.when(it.At)},
	}}
}

func (h *Handler) complaintBlock(r *request, c *crm.Complaint) Block {
	b := Block{Fields: []Field{{Label: h.cat.T(r.lang, "field_complaint"), Value: clip(c.Text, 200)}}}
	if c.Product != "" {
		b.Fields = append(b.Fields, Field{Label: h.cat.T(r.lang, "field_product"), Value: c.Product})
	}
	return b
}

// saleHeadline is the first line of a recorded sale's reply: its number
// and, for a customer the sale won back, whom they had been lost to.
// before is the customer as it was before the sale.
func (h *Handler) saleHeadline(r *request, s *crm.Sale, before *crm.Customer) string {
	text := h.cat.T(r.lang, "sale_recorded", "name", before.Name)
	if s.No != 0 {
		text = h.cat.T(r.lang, "sale_recorded_no", "no", int64(s.No), "name", before.Name)
	}
	if before.Lost != nil {
		text += "\n" + h.wonBackText(r.lang, before.Name, *before.Lost)
	}
	return text
}

// wonBackText says a customer is back and whom they had been lost to.
func (h *Handler) wonBackText(lang, name string, l crm.Lost) string {
	since := l.At.In(h.cfg.Location).Format("2006-01-02")
	if l.Competitor == "" {
		return h.cat.T(lang, "won_back_reason", "name", name, "reason", h.cat.T(lang, "reason_"+l.Reason), "since", since)
	}
	return h.cat.T(lang, "won_back", "name", name, "competitor", l.Competitor, "since", since)
}

// numbered puts a record's number before its confirmation: "Log #210: ...".
func (h *Handler) numbered(r *request, key string, no int64, text string) string {
	if no == 0 {
		return text
	}
	return h.cat.T(r.lang, key, "no", no, "text", text)
}

// wonBackCard is the card's line for one win-back: when, and whom the
// customer had been lost to.
func (h *Handler) wonBackCard(lang string, w crm.WinBack) string {
	back := w.At.In(h.cfg.Location).Format("2006-01-02")
	since := w.Lost.At.In(h.cfg.Location).Format("2006-01-02")
	if w.Lost.Competitor == "" {
		return h.cat.T(lang, "won_back_card_reason", "back", back, "reason", h.cat.T(lang, "reason_"+w.Lost.Reason), "since", since)
	}
	return h.cat.T(lang, "won_back_card", "back", back, "competitor", w.Lost.Competitor, "since", since)
}
