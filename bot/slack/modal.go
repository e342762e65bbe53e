package slack

import (
	"context"
	"encoding/json"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	slackgo "github.com/slack-go/slack"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/handlers"
	"github.com/crmbot/crmbot/phone"
)

// The forms, their modals' callback ids and the shortcuts of the manifest.
const (
	formMenu      = "menu"
	formAdd       = "add"
	formLog       = "log"
	formComplaint = "complaint"
	formSale      = "sale"

	callbackPrefix     = "crm_"
	callbackShortcut   = "crm_menu"        // global shortcut: the menu of forms
	callbackLogMessage = "crm_log_message" // message shortcut: log the message as an interaction
)

func knownForm(name string) bool {
	switch name {
	case formMenu, formAdd, formLog, formComplaint, formSale:
		return true
	}
	return false
}

// form is a modal to open and what it starts with.
type form struct {
	name     string
	customer crm.CustomerID // preset customer
	kind     string         // interaction or complaint kind
	notes    string         // preset notes (message shortcut)
	line     string         // the request line that asked for it
}

// formFor tells which form answers a request line that has no details yet:
// "" (the menu), "add", "log", "log call #<id>", "sale #<id>",
// "complaint #<id>". Lines with details run as typed.
func formFor(line string) (form, bool) {
	line = strings.TrimSpace(line)
	if line == "" {
		return form{name: formMenu}, true
	}
	if strings.ContainsAny(line, ":：=") {
		return form{}, false
	}
	f := strings.Fields(line)
	word := strings.ToLower(f[0])
	rest := f[1:]
	switch word {
	case formAdd:
		if len(rest) > 0 {
			return form{}, false // "add Siti ..." adds at once
		}
		return form{name: formAdd, line: line}, true
	case formLog, formSale, formComplaint:
	default:
		return form{}, false
	}
	out := form{name: word, line: line}
	if len(rest) > 0 && (word == formLog && isKind(rest[0]) || word == formComplaint && isComplaintKind(rest[0])) {
		out.kind, rest = strings.ToLower(rest[0]), rest[1:]
	}
	switch {
	case len(rest) == 0:
	case len(rest) == 1 && strings.HasPrefix(rest[0], "#") && len(rest[0]) > 1:
		out.customer = crm.CustomerID(rest[0][1:])
	default:
		return form{}, false // a customer named in words: the handler asks which
	}
	return out, true
}

var kinds = []crm.InteractionKind{crm.KindCall, crm.KindVisit, crm.KindMeeting, crm.KindEmail, crm.KindMessage, crm.KindNote}

func isKind(w string) bool {
	for _, k := range kinds {
		if strings.EqualFold(w, string(k)) {
			return true
		}
	}
	return false
}

var complaintKinds = []crm.ComplaintKind{crm.ComplaintKindComplaint, crm.ComplaintKindReturn, crm.ComplaintKindSupport}

func isComplaintKind(w string) bool {
	for _, k := range complaintKinds {
		if strings.EqualFold(w, string(k)) {
			return true
		}
	}
	return false
}

var payments = []crm.PaymentMethod{crm.PayCash, crm.PayCard, crm.PayDebit, crm.PayTransfer, crm.PayEWallet, crm.PayPayPal, crm.PayCOD, crm.PayCheque, crm.PayCredit}

var sources = []string{"referral", "web", "social", "newspaper", "walk-in", "event", "other"}

// meta is a modal's private_metadata.
type meta struct {
	Channel string `json:"c,omitempty"`
}

func decodeMeta(s string) meta {
	var m meta
	json.Unmarshal([]byte(s), &m)
	return m
}

// openForm opens f with the trigger of src: views.push inside a modal,
// views.open elsewhere. A trigger lives about 3 s, so this runs right after
// the ack; the preset customer is looked up with a short deadline.
func (b *Bot) openForm(ctx context.Context, src source, f form) {
	s, err := b.staff(ctx, src.team, src.user, src.name)
	if err != nil {
		src.key = ""
		b.send(ctx, src, s, handlers.Reply{Blocks: []handlers.Block{{Text: b.refusal(s, err)}}, Error: true})
		return
	}
	v := b.modal(ctx, b.h.LangOf(s), src, f)
	if src.viewID != "" {
		_, err = b.api.PushViewContext(ctx, src.triggerID, v)
	} else {
		_, err = b.api.OpenViewContext(ctx, src.triggerID, v)
	}
	if err != nil {
		b.log.Warn("slack modal not opened", "form", f.name, "err", err)
	}
}

// switchForm replaces the menu modal with a form.
func (b *Bot) switchForm(ctx context.Context, src source, viewID string, f form) {
	s, err := b.staff(ctx, src.team, src.user, src.name)
	if err != nil {
		return
	}
	if _, err := b.api.UpdateViewContext(ctx, b.modal(ctx, b.h.LangOf(s), src, f), "", "", viewID); err != nil {
		b.log.Warn("slack modal not switched", "form", f.name, "err", err)
	}
}

// modal builds a form's view in lang.
func (b *Bot) modal(ctx context.Context, lang string, src source, f form) slackgo.ModalViewRequest {
	t := func(key string, args ...any) string { return b.h.T(lang, key, args...) }
	md, _ := json.Marshal(meta{Channel: src.channel})
	v := slackgo.ModalViewRequest{
		Type: slackgo.VTModal, CallbackID: callbackPrefix + f.name, PrivateMetadata: string(md),
		Title: plain(t("slack_title_"+f.name), 24), Close: plain(t("slack_cancel"), 24),
	}
	if f.name != formMenu {
		v.Submit = plain(t("slack_save"), 24)
	}
	var blocks []slackgo.Block
	text := func(id, label string, optional, multiline bool, initial string) {
		el := slackgo.NewPlainTextInputBlockElement(nil, "v")
		el.Multiline = multiline
		el.InitialValue = clip(initial, 2900)
		if multiline {
			el.MaxLength = 2000
		} else {
			el.MaxLength = 200
		}
		in := slackgo.NewInputBlock(id, plain(label, 2000), nil, el)
		in.Optional = optional
		blocks = append(blocks, in)
	}
	choose := func(id, label string, optional bool, opts []*slackgo.OptionBlockObject, initial string) {
		el := slackgo.NewOptionsSelectBlockElement(slackgo.OptTypeStatic, nil, "v", opts...)
		for _, o := range opts {
			if o.Value == initial {
				el.InitialOption = o
			}
		}
		in := slackgo.NewInputBlock(id, plain(label, 2000), nil, el)
		in.Optional = optional
		blocks = append(blocks, in)
	}
	option := func(value, label string) *slackgo.OptionBlockObject {
		return slackgo.NewOptionBlockObject(value, plain(label, 75), nil)
	}
	customer := func() {
		el := slackgo.NewOptionsSelectBlockElement(slackgo.OptTypeExternal, plain(t("slack_customer_hint"), 150), actionCustomer)
		el.MinQueryLength = new(int)
		*el.MinQueryLength = 1
		if f.customer != "" {
			label := "#" + string(f.customer)
			lctx, cancel := context.WithTimeout(ctx, time.Second)
			if c, err := b.store.Customer(lctx, f.customer); err == nil {
				label = customerLabel(c)
			}
			cancel()
			el.InitialOption = option(string(f.customer), label)
		}
		blocks = append(blocks, slackgo.NewInputBlock("customer", plain(t("slack_customer"), 2000), nil, el))
	}
	switch f.name {
	case formMenu:
		blocks = append(blocks, slackgo.NewSectionBlock(mrkdwn(escape(t("slack_menu_text"))), nil, nil),
			slackgo.NewActionBlock("menu",
				button(actionMenu+formAdd, t("slack_title_add"), ""),
				button(actionMenu+formLog, t("slack_title_log"), ""),
				button(actionMenu+formComplaint, t("slack_title_complaint"), ""),
				button(actionMenu+formSale, t("slack_title_sale"), "")))
	case formAdd:
		text("name", t("slack_name"), false, false, "")
		text("phone", t("field_phone"), true, false, "")
		text("email", t("field_email"), true, false, "")
		text("company", t("slack_company"), true, false, "")
		var opts []*slackgo.OptionBlockObject
		for _, s := range sources {
			opts = append(opts, option(s, t("slack_source_"+strings.ReplaceAll(s, "-", "_"))))
		}
		choose("source", t("field_source"), true, opts, "")
	case formLog:
		customer()
		var opts []*slackgo.OptionBlockObject
		for _, k := range kinds {
			opts = append(opts, option(string(k), t("kind_"+string(k))))
		}
		kind := f.kind
		if kind == "" {
			kind = string(crm.KindCall)
		}
		choose("kind", t("slack_kind"), false, opts, kind)
		text("notes", t("field_notes"), false, true, f.notes)
		dp := slackgo.NewDatePickerBlockElement("v")
		in := slackgo.NewInputBlock("followup", plain(t("field_follow_up"), 2000), nil, dp)
		in.Optional = true
		blocks = append(blocks, in)
	case formComplaint:
		customer()
		var opts []*slackgo.OptionBlockObject
		for _, k := range complaintKinds {
			opts = append(opts, option(string(k), t("slack_complaint_"+string(k))))
		}
		kind := f.kind
		if kind == "" {
			kind = string(crm.ComplaintKindComplaint)
		}
		choose("kind", t("slack_kind"), false, opts, kind)
		text("text", t("field_complaint"), false, true, "")
		text("product", t("field_product"), true, false, "")
	case formSale:
		customer()
		text("amount", t("field_amount"), false, false, "")
		text("currency", t("slack_currency"), true, false, "")
		text("product", t("field_product"), false, false, "")
		text("quantity", t("slack_quantity"), true, false, "1")
		var opts []*slackgo.OptionBlockObject
		for _, p := range payments {
			opts = append(opts, option(string(p), t("slack_pay_"+string(p))))
		}
		choose("payment", t("field_payment"), false, opts, string(crm.PayCash))
		text("days", t("slack_credit_days"), true, false, "")
	}
	v.Blocks = slackgo.Blocks{BlockSet: blocks}
	return v
}

// customerLabel is a customer's one-line name in the picker.
func customerLabel(c *crm.Customer) string {
	s := c.Name
	if c.Company != "" {
		s += " (" + c.Company + ")"
	}
	if len(c.Phones) > 0 {
		s += " " + phone.Format(c.Phones[0])
	}
	return clip(s, 75)
}

// options answers the customer picker as the person types: by phone, by
// e-mail or by words of a name, within the ack budget.
func (b *Bot) options(src source, actionID, q string) any {
	empty := &slackgo.OptionsResponse{Options: []*slackgo.OptionBlockObject{}}
	if actionID != actionCustomer {
		b.log.Warn("slack options for unknown action", "action_id", clip(actionID, 40))
		return empty
	}
	ctx, cancel := context.WithTimeout(b.base, b.cfg.AckBudget)
	defer cancel()
	if _, err := b.staff(ctx, src.team, src.user, src.name); err != nil {
		return empty
	}
	q = strings.TrimSpace(q)
	if q == "" || utf8.RuneCountInString(q) > 100 {
		return empty
	}
	var cs []*crm.Customer
	var err error
	switch {
	case phone.Looks(q):
		if e, ok := phone.Normalize(q, b.cfg.Region); ok {
			cs, err = b.store.CustomersByPhone(ctx, e)
		}
	case strings.Contains(q, "@"):
		cs, err = b.store.CustomersByEmail(ctx, strings.ToLower(q))
	default:
		cs, _, err = b.store.FindCustomers(ctx, q, 20)
	}
	if err != nil {
		b.log.Warn("slack customer options", "err", err)
		return empty
	}
	for _, c := range cs {
		if len(empty.Options) == 100 {
			break
		}
		empty.Options = append(empty.Options, slackgo.NewOptionBlockObject(string(c.ID), plain(customerLabel(c), 75), nil))
	}
	return empty
}

// field is one input of a submitted form, in the order errors are attributed.
type field struct {
	block, value string
}

// formValues reads a submitted view's inputs.
func formValues(v slackgo.View) map[string]string {
	out := map[string]string{}
	if v.State == nil {
		return out
	}
	for block, actions := range v.State.Values {
		for _, a := range actions {
			switch {
			case a.SelectedOption.Value != "":
				out[block] = a.SelectedOption.Value
			case a.SelectedDate != "":
				out[block] = a.SelectedDate
			default:
				out[block] = strings.TrimSpace(a.Value)
			}
		}
	}
	return out
}

// formLine checks a form's fields and builds the request line it stands
// for; errs maps block ids to the sentence shown under each bad field.
func (b *Bot) formLine(lang, name string, v map[string]string) (line string, fields []field, errs map[string]string) {
	t := func(key string, args ...any) string { return b.h.T(lang, key, args...) }
	errs = map[string]string{}
	need := func(block string) {
		if v[block] == "" {
			errs[block] = t("slack_required")
		}
	}
	ref := "#" + v["customer"]
	switch name {
	case formAdd:
		need("name")
		if strings.ContainsAny(v["name"], "=@") || strings.ContainsAny(v["name"], "0123456789") && phone.Looks(v["name"]) {
			errs["name"] = t("slack_bad_name")
		}
		if p := v["phone"]; p != "" {
			if _, ok := phone.Normalize(p, b.cfg.Region); !ok {
				errs["phone"] = t("err_bad_phone", "phone", clip(p, 30))
			}
		}
		if e := v["email"]; e != "" {
			if a, err := mail.ParseAddress(e); err != nil || a.Address != e || !strings.Contains(e[strings.IndexByte(e, '@'):], ".") {
				errs["email"] = t("err_bad_email", "email", clip(e, 40))
			}
		}
		if strings.Contains(v["company"], "=") {
			errs["company"] = t("slack_bad_chars")
		}
		line = "add " + v["name"]
		if v["phone"] != "" {
			line += " phone=" + v["phone"]
		}
		if v["email"] != "" {
			line += " email=" + v["email"]
		}
		if v["company"] != "" {
			line += " company=" + v["company"]
		}
		if v["source"] != "" {
			line += " source=" + v["source"]
		}
		fields = []field{{"phone", v["phone"]}, {"email", v["email"]}, {"company", v["company"]}, {"name", v["name"]}}
	case formLog:
		need("customer")
		need("notes")
		kind := v["kind"]
		if !isKind(kind) {
			kind = string(crm.KindNote)
		}
		line = "log " + kind + " " + ref + ": " + oneLine(v["notes"])
		if v["followup"] != "" {
			line += ", follow up " + v["followup"]
		}
		fields = []field{{"followup", v["followup"]}, {"notes", v["notes"]}}
	case formComplaint:
		need("customer")
		need("text")
		if strings.Contains(v["product"], "=") {
			errs["product"] = t("slack_bad_chars")
		}
		line = "complaint "
		if k := v["kind"]; k != "" && k != string(crm.ComplaintKindComplaint) && isComplaintKind(k) {
			line += k + " "
		}
		line += ref + ": " + oneLine(v["text"])
		if v["product"] != "" {
			line += " product=" + v["product"]
		}
		fields = []field{{"product", v["product"]}, {"text", v["text"]}}
	case formSale:
		need("customer")
		need("amount")
		need("product")
		// The amount goes to the sale line as typed, read by the same
		// grammar as a typed sale ("1,5 juta", "RM 2k", "₹1,50,000").
		amount := oneLine(v["amount"])
		if amount != "" && !b.h.IsAmount(amount) {
			errs["amount"] = t("err_sale_amount", "amount", clip(v["amount"], 20))
		}
		cur := strings.ToUpper(v["currency"])
		if cur != "" && (len(cur) != 3 || strings.IndexFunc(cur, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0) {
			errs["currency"] = t("err_sale_currency", "currency", clip(cur, 10))
		}
		qty := v["quantity"]
		if qty == "" {
			qty = "1"
		}
		if n, err := strconv.Atoi(qty); err != nil || n <= 0 || n >= 1_000_000 {
			errs["quantity"] = t("slack_bad_quantity")
		}
		if strings.ContainsAny(v["product"], "=") {
			errs["product"] = t("slack_bad_chars")
		}
		pay := v["payment"]
		if pay == "" {
			pay = string(crm.PayCash)
		}
		if d := v["days"]; d != "" {
			if n, err := strconv.Atoi(d); err != nil || n <= 0 || n > 3650 {
				errs["days"] = t("slack_bad_days")
			}
		}
		line = "sale " + ref + ": " + amount
		if cur != "" {
			line += " " + cur
		}
		line += " " + pay
		if pay == string(crm.PayCredit) && v["days"] != "" {
			line += " " + v["days"] + "d"
		}
		line += " " + oneLine(v["product"]) + " x" + qty
		fields = []field{{"amount", v["amount"]}, {"currency", cur}, {"days", v["days"]}, {"product", v["product"]}}
	default:
		return "", nil, map[string]string{}
	}
	return line, fields, errs
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// fieldFor names the input a handler's refusal is about: the first whose
// value the sentence quotes, else the form's main free-text field (last).
func fieldFor(fields []field, sentence string) string {
	for _, f := range fields {
		if len(f.value) >= 2 && strings.Contains(strings.ToLower(sentence), strings.ToLower(clip(f.value, 20))) {
			return f.block
		}
	}
	return fields[len(fields)-1].block
}

// submit answers a form within the ack budget: field errors shown in the
// modal, or the result shown in place of the form. When the store is too
// slow for that, the modal closes and the result arrives as a DM.
func (b *Bot) submit(src source, cb slackgo.InteractionCallback) any {
	name := strings.TrimPrefix(cb.View.CallbackID, callbackPrefix)
	if !knownForm(name) || name == formMenu {
		b.log.Warn("slack submission of unknown view", "callback_id", clip(cb.View.CallbackID, 40))
		return slackgo.NewClearViewSubmissionResponse()
	}
	values := formValues(cb.View)
	src.channel = ""
	src.viewID = ""
	var mu sync.Mutex
	answered := false
	out := make(chan any, 1)
	// hand gives the ack its payload if it still waits; else the DM takes over.
	hand := func(p any) bool {
		mu.Lock()
		defer mu.Unlock()
		if answered {
			return false
		}
		answered = true
		out <- p
		return true
	}
	b.background("submit", func(ctx context.Context) {
		if !b.firstSeen(ctx, src.key) {
			hand(slackgo.NewClearViewSubmissionResponse())
			return
		}
		s, err := b.staff(ctx, src.team, src.user, src.name)
		if err != nil {
			if !hand(slackgo.NewErrorsViewSubmissionResponse(map[string]string{firstBlock(name): b.refusal(s, err)})) {
				src.key = ""
				b.send(ctx, src, s, handlers.Reply{Blocks: []handlers.Block{{Text: b.refusal(s, err)}}, Error: true})
			}
			return
		}
		lang := b.h.LangOf(s)
		line, fields, errs := b.formLine(lang, name, values)
		if len(errs) > 0 {
			if !hand(slackgo.NewErrorsViewSubmissionResponse(errs)) {
				src.key = ""
				b.send(ctx, src, s, handlers.Reply{Blocks: []handlers.Block{{Text: firstError(errs)}}, Error: true})
			}
			return
		}
		rep := b.h.Handle(ctx, handlers.Request{Staff: s, Text: line})
		if rep.Error {
			sentence, _, _ := strings.Cut(rep.Plain(), "\n")
			if hand(slackgo.NewErrorsViewSubmissionResponse(map[string]string{fieldFor(fields, sentence): clip(sentence, 300)})) {
				return
			}
		} else if hand(b.doneView(lang, rep)) {
			if changesHome(line) {
				b.publishHome(ctx, src.user, s)
			}
			return
		}
		src.key = "slack:view:" + cb.View.ID + ":" + cb.TriggerID
		b.send(ctx, src, s, rep)
		if changesHome(line) && !rep.Error {
			b.publishHome(ctx, src.user, s)
		}
	})
	timer := time.NewTimer(b.cfg.AckBudget)
	defer timer.Stop()
	select {
	case p := <-out:
		return p
	case <-timer.C:
		if hand(nil) {
			<-out
			return slackgo.NewClearViewSubmissionResponse()
		}
		return <-out
	}
}

// doneView shows a form's result in place of the form, or closes the modal
// and leaves the result to a DM when it would not fit.
func (b *Bot) doneView(lang string, rep handlers.Reply) any {
	blocks, _ := render(rep, b.h.T(lang, "slack_more"))
	v := &slackgo.ModalViewRequest{Type: slackgo.VTModal, CallbackID: callbackPrefix + "done",
		Title: plain(b.h.T(lang, "slack_title_done"), 24), Close: plain(b.h.T(lang, "slack_close"), 24),
		Blocks: slackgo.Blocks{BlockSet: blocks}}
	resp := slackgo.NewUpdateViewSubmissionResponse(v)
	if raw, err := json.Marshal(resp); err != nil || len(raw) > 15000 {
		return slackgo.NewClearViewSubmissionResponse()
	}
	return resp
}

func firstBlock(name string) string {
	switch name {
	case formAdd:
		return "name"
	case formSale:
		return "amount"
	}
	return "customer"
}

func firstError(errs map[string]string) string {
	for _, e := range errs {
		return e
	}
	return ""
}
