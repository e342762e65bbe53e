package handlers

import (
	"context"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/crmbot/crmbot/crm"
)

// complaint: complaint Siti: inverter stopped working after 2 weeks
// (also "complaint return Siti: ..." and "complaint support Siti: ...").
// Without product=, a product the customer bought that the text names is
// the complaint's product; the buttons of the question when two match send
// "complaint return #<id> pick=1 w=1a2b3c4d".
func (h *Handler) complaint(ctx context.Context, r *request) (Reply, error) {
	args, kind := r.args, crm.ComplaintKindComplaint
	if w, rest, _ := strings.Cut(args, " "); rest != "" {
		switch strings.ToLower(w) {
		case "return", "pemulangan", "退货", "退貨":
			kind, args = crm.ComplaintKindReturn, strings.TrimSpace(rest)
		case "support", "sokongan", "dukungan":
			kind, args = crm.ComplaintKindSupport, strings.TrimSpace(rest)
		case "complaint":
			args = strings.TrimSpace(rest)
		}
	}
	who, text, ok := splitColon(args)
	typed := text
	if id, settings, isButton := strings.Cut(who, " "); isButton && strings.HasPrefix(id, "#") {
		who, text, ok = id, strings.TrimSpace(settings+" "+text), true
	}
	if who == "" {
		return Reply{}, invalid("err_complaint_form")
	}
	if !ok || text == "" {
		return Reply{Blocks: []Block{{Text: h.cat.T(r.lang, "ask_complaint")}}, Prompt: "complaint " + who + ":"}, nil
	}
	text, vals := takeKeys(text, map[string]bool{"product": true, "w": false, "pick": false})
	if bad := unknownSetting(text); bad != "" {
		k, _, _ := strings.Cut(bad, "=")
		return Reply{}, invalid("err_unknown_field", "key", strings.ToLower(k))
	}
	product := clip(strings.Join(strings.Fields(vals["product"]), " "), 80) // as typed; reports group spellings with crm.ProductKey
	files := r.Files
	var kept held
	if key := vals["w"]; key != "" {
		var err error
		if kept, err = h.takeHeld(ctx, key); err != nil {
			return Reply{}, err
		}
		text, files = kept.Text, kept.Files
	}
	if text == "" {
		return Reply{Blocks: []Block{{Text: h.cat.T(r.lang, "ask_complaint")}}, Prompt: "complaint " + who + ":"}, nil
	}
	p, err := h.customer(ctx, r, who, func(ref string) string { return "complaint " + string(kind) + " " + ref + ": " + typed })
	if err != nil || p.reply != nil {
		return deref(p.reply), err
	}
	var bought *crm.Purchase
	switch pick := vals["pick"]; {
	case pick != "":
		n, err := strconv.Atoi(pick)
		if err != nil || n < 0 || n > len(kept.Choices) {
			return Reply{}, invalid("err_choice_expired")
		}
		if n > 0 {
			product = kept.Choices[n-1]
		}
	case product == "":
		matches, err := h.boughtNamed(ctx, p.customer.ID, text)
		if err != nil {
			return Reply{}, err
		}
		if len(matches) > 1 {
			return h.askProduct(ctx, r, kind, p.customer, text, files, matches)
		}
		if len(matches) == 1 {
			bought, product = &matches[0], clip(matches[0].Product, 80)
		}
	}
	owner := p.customer.Owner
	if owner == "" {
		owner = r.Staff.ID
	}
	c := &crm.Complaint{CustomerID: p.customer.ID, Kind: kind, Product: product, Text: clip(text, 2000),
		OpenedBy: r.Staff.ID, Owner: owner, OpenedAt: h.now(), Photos: files}
	if err := h.store.FileComplaint(ctx, c); err != nil {
		return Reply{}, err
	}
	h.audit(ctx, r, c.CustomerID)
	h.dropHeld(ctx, vals["w"])
	no := strconv.FormatInt(int64(c.No), 10)
	fields := []Field{{Label: h.cat.T(r.lang, "field_complaint"), Value: c.Text}}
	switch {
	case bought != nil:
		fields = append(fields, Field{Label: h.cat.T(r.lang, "field_product"),
			Value: h.cat.T(r.lang, "product_from_purchase", "product", product, "date", bought.At.In(h.cfg.Location).Format("2006-01-02"))})
	case product != "":
		fields = append(fields, Field{Label: h.cat.T(r.lang, "field_product"), Value: product})
	}
	return Reply{Blocks: []Block{{
		Text:    h.cat.T(r.lang, "complaint_filed", "no", no, "name", p.customer.Name),
		Fields:  fields,
		Buttons: []Button{{Label: h.cat.T(r.lang, "btn_show"), Command: "show #" + string(p.customer.ID)}},
	}}}, nil
}

// boughtNamed returns the products the customer bought that text names:
// those with the most of their words in it. One document is read, by _id.
func (h *Handler) boughtNamed(ctx context.Context, id crm.CustomerID, text string) ([]crm.Purchase, error) {
	bought, err := h.store.Purchases(ctx, id)
	if err != nil {
		return nil, err
	}
	var best []crm.Purchase
	bestN := 0
	for _, b := range bought {
		n := productWordsIn(b.Product, text)
		switch {
		case n == 0 || n < bestN:
		case n > bestN:
			best, bestN = []crm.Purchase{b}, n
		default:
			best = append(best, b)
		}
	}
	return best, nil
}

// productWordsIn counts the words of product that text names: whole words
// in spaced scripts, two or more Han characters anywhere. Short Latin words
// ("x1", "kg") do not name a product.
func productWordsIn(product, text string) int {
	var words []string
	for _, cl := range clauses(text) {
		words = append(words, cl.words...)
	}
	low := normalWords(text)
	n := 0
	for _, w := range strings.Fields(normalWords(product)) {
		w = strings.Trim(w, "()[],.;:×")
		switch {
		case isHan(w):
			if utf8.RuneCountInString(w) >= 2 && strings.Contains(low, w) {
				n++
			}
		case utf8.RuneCountInString(w) >= 3 && !strings.ContainsAny(w, "0123456789"):
			for _, t := range words {
				if t == w || singular(t) == w || singular(t) == singular(w) {
					n++
					break
				}
			}
		}
	}
	return n
}

// singular takes an English plural's ending off: "batteries", "panels".
func singular(w string) string {
	if s, ok := strings.CutSuffix(w, "ies"); ok && len(s) > 2 {
		return s + "y"
	}
	if s, ok := strings.CutSuffix(w, "s"); ok && !strings.HasSuffix(s, "s") {
		return s
	}
	return w
}

// askProduct asks which of the products the text names the complaint is
// about; the text and the choices wait behind the buttons' w= key.
func (h *Handler) askProduct(ctx context.Context, r *request, kind crm.ComplaintKind, c *crm.Customer, text string, files []string, matches []crm.Purchase) (Reply, error) {
	if len(matches) > 4 {
		matches = matches[:4]
	}
	v := held{Text: text, Files: files}
	for _, m := range matches {
		v.Choices = append(v.Choices, clip(m.Product, 80))
	}
	key, err := h.hold(ctx, v)
	if err != nil {
		return Reply{}, err
	}
	cmd := "complaint " + string(kind) + " #" + string(c.ID)
	b := Block{Text: h.cat.T(r.lang, "ask_complaint_product", "name", c.Name),
		Fields: []Field{{Label: h.cat.T(r.lang, "field_complaint"), Value: clip(text, 300)}}}
	for i, m := range matches {
		b.Buttons = append(b.Buttons, Button{
			Label:   h.cat.T(r.lang, "product_from_purchase", "product", clip(m.Product, 40), "date", m.At.In(h.cfg.Location).Format("2006-01-02")),
			Command: cmd + " pick=" + strconv.Itoa(i+1) + " " + key})
	}
	b.Buttons = append(b.Buttons, Button{Label: h.cat.T(r.lang, "btn_no_product"), Command: cmd + " pick=0 " + key})
	return Reply{Blocks: []Block{b}}, nil
}

// resolve: resolve 12: replaced the inverter, customer satisfied
// The buttons of its questions send "resolve 12 as=refund sat=no w=1a2b3c4d".
func (h *Handler) resolve(ctx context.Context, r *request) (Reply, error) {
	head, text, _ := splitColon(r.args)
	num, settings, _ := strings.Cut(head, " ")
	no, err := strconv.ParseInt(strings.TrimPrefix(num, "#"), 10, 64)
	if err != nil || no <= 0 {
		return Reply{}, invalid("err_resolve_form")
	}
	text, vals := takeKeys(strings.TrimSpace(settings+" "+text), map[string]bool{"as": false, "sat": false, "w": false})
	if key := vals["w"]; key != "" {
		v, err := h.takeHeld(ctx, key)
		if err != nil {
			return Reply{}, err
		}
		text = v.Text
	}
	if text == "" && vals["as"] == "" {
		return Reply{Blocks: []Block{{Text: h.cat.T(r.lang, "ask_resolve")}}, Prompt: "resolve " + num + ":"}, nil
	}
	res, guessed, err := resolutionFrom(text, vals["as"])
	if err != nil {
		return Reply{}, err
	}
	satisfied, satUnclear, err := satisfiedFrom(text, vals["sat"])
	if err != nil {
		return Reply{}, err
	}
	if res == "" || satUnclear {
		return h.askResolve(ctx, r, no, text, res, vals)
	}
	c, err := h.store.ResolveComplaint(ctx, crm.ComplaintNo(no), r.Staff.ID, h.now(), res, clip(text, 2000), satisfied)
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		return Reply{}, crm.Errorf(crm.ENOTFOUND, "err_complaint_not_found", "no", no)
	}
	if err != nil {
		return Reply{}, err
	}
	h.audit(ctx, r, c.CustomerID)
	h.dropHeld(ctx, vals["w"])
	fields := []Field{{Label: h.cat.T(r.lang, "field_resolution"), Value: h.cat.T(r.lang, "resolution_"+string(res))}}
	if satisfied != nil {
		key := "satisfied_no"
		if *satisfied {
			key = "satisfied_yes"
		}
		fields = append(fields, Field{Label: h.cat.T(r.lang, "field_satisfied"), Value: h.cat.T(r.lang, key)})
	}
	b := Block{Text: h.cat.T(r.lang, "complaint_resolved", "no", no), Fields: fields}
	if guessed {
		// Nothing in the note named a fix, refund or replacement: say so,
		// and how to set it, rather than file "other" without a word.
		b.Text += "\n" + h.cat.T(r.lang, "resolve_saved_other", "no", no)
	}
	b.Buttons = []Button{{Label: h.cat.T(r.lang, "btn_show"), Command: "show #" + string(c.CustomerID)}}
	return Reply{Blocks: []Block{b}}, nil
}

// resolutionFrom is the resolution set with as=, or read from the note. It
// is "" when the note is unclear (it denies one, or names two), and other,
// guessed, when the note names none.
func resolutionFrom(text, as string) (res crm.Resolution, guessed bool, err error) {
	if as != "" {
		switch v := crm.Resolution(strings.ToLower(as)); v {
		case crm.ResolutionFixed, crm.ResolutionRefund, crm.ResolutionReplacement, crm.ResolutionOther:
			return v, false, nil
		}
		return "", false, invalid("err_resolution_value", "value", clip(as, 20))
	}
	rd := read(text, func(l wordLang) wordTable { return l.resolution })
	switch {
	case rd.unclear():
		return "", false, nil
	case rd.one() != "":
		return crm.Resolution(rd.one()), false, nil
	}
	return crm.ResolutionOther, true, nil
}

// satisfiedFrom is the satisfaction set with sat= (yes, no, or "-" for not
// said), or read from the note; nil when not said.
func satisfiedFrom(text, sat string) (satisfied *bool, unclear bool, err error) {
	v := strings.ToLower(sat)
	if sat == "" {
		v, unclear = readSatisfied(text)
		if unclear {
			return nil, true, nil
		}
	}
	switch v {
	case "yes":
		yes := true
		return &yes, false, nil
	case "no":
		return new(bool), false, nil
	case "", "-":
		return nil, false, nil
	}
	return nil, false, invalid("err_satisfied_value", "value", clip(sat, 20))
}

// askResolve asks what the note left unclear: the resolution first (keeping
// a satisfaction already read or chosen), else whether the customer was
// satisfied. The note waits in the state store behind the buttons' w= key.
func (h *Handler) askResolve(ctx context.Context, r *request, no int64, text string, res crm.Resolution, vals map[string]string) (Reply, error) {
	c, err := h.store.Complaint(ctx, crm.ComplaintNo(no))
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		return Reply{}, crm.Errorf(crm.ENOTFOUND, "err_complaint_not_found", "no", no)
	}
	if err != nil {
		return Reply{}, err
	}
	if !c.Open() {
		return Reply{}, crm.Errorf(crm.ECONFLICT, "err_complaint_resolved", "no", no)
	}
	key := vals["w"]
	if key == "" {
		if key, err = h.hold(ctx, held{Text: text}); err != nil {
			return Reply{}, err
		}
	} else {
		key = "w=" + key
	}
	cmd := "resolve " + strconv.FormatInt(no, 10)
	t := func(k string, args ...any) string { return h.cat.T(r.lang, k, args...) }
	b := Block{Fields: []Field{{Label: t("field_notes"), Value: clip(text, 300)}}}
	if res == "" {
		sat := ""
		if s, unclear, _ := satisfiedFrom(text, vals["sat"]); !unclear && s != nil {
			sat = " sat=no"
			if *s {
				sat = " sat=yes"
			}
		}
		b.Text = t("ask_resolution", "no", no)
		for _, v := range []crm.Resolution{crm.ResolutionFixed, crm.ResolutionRefund, crm.ResolutionReplacement, crm.ResolutionOther} {
			b.Buttons = append(b.Buttons, Button{Label: t("resolution_" + string(v)), Command: cmd + " as=" + string(v) + sat + " " + key})
		}
		return Reply{Blocks: []Block{b}}, nil
	}
	b.Text = t("ask_satisfied", "no", no)
	for _, v := range []string{"yes", "no"} {
		b.Buttons = append(b.Buttons, Button{Label: t("satisfied_" + v), Command: cmd + " as=" + string(res) + " sat=" + v + " " + key})
	}
	b.Buttons = append(b.Buttons, Button{Label: t("satisfied_unsaid"), Command: cmd + " as=" + string(res) + " sat=- " + key})
	return Reply{Blocks: []Block{b}}, nil
}
