package handlers

import (
	"context"
	"strconv"
	"strings"

	"github.com/crmbot/crmbot/crm"
)

// complaint: complaint Siti: inverter stopped working after 2 weeks
// (also "complaint return Siti: ..." and "complaint support Siti: ...")
func (h *Handler) complaint(ctx context.Context, r *request) (Reply, error) {
	args, kind := r.args, crm.ComplaintKindComplaint
	if w, rest, _ := strings.Cut(args, " "); rest != "" {
		switch strings.ToLower(w) {
		case "return", "pemulangan", "退货", "退貨":
			kind, args = crm.ComplaintKindReturn, strings.TrimSpace(rest)
		case "support", "sokongan", "dukungan":
			kind, args = crm.ComplaintKindSupport, strings.TrimSpace(rest)
		}
	}
	who, text, ok := splitColon(args)
	if who == "" {
		return Reply{}, invalid("err_complaint_form")
	}
	if !ok || text == "" {
		return Reply{Blocks: []Block{{Text: h.cat.T(r.lang, "ask_complaint")}}, Prompt: "complaint " + who + ":"}, nil
	}
	product := ""
	if head, kvs := splitKV(text); len(kvs) > 0 {
		for _, x := range kvs {
			if x.key != "product" {
				return Reply{}, invalid("err_unknown_field", "key", x.key)
			}
			product = clip(strings.Join(strings.Fields(x.value), " "), 80) // as typed; reports group spellings with crm.ProductKey
		}
		text = head
	}
	p, err := h.customer(ctx, r, who, func(ref string) string { return "complaint " + string(kind) + " " + ref + ": " + text })
	if err != nil || p.reply != nil {
		return deref(p.reply), err
	}
	owner := p.customer.Owner
	if owner == "" {
		owner = r.Staff.ID
	}
	c := &crm.Complaint{CustomerID: p.customer.ID, Kind: kind, Product: product, Text: clip(text, 2000),
		OpenedBy: r.Staff.ID, Owner: owner, OpenedAt: h.now(), Photos: r.Files}
	if err := h.store.FileComplaint(ctx, c); err != nil {
		return Reply{}, err
	}
	no := strconv.FormatInt(int64(c.No), 10)
	return Reply{Blocks: []Block{{
		Text:    h.cat.T(r.lang, "complaint_filed", "no", no, "name", p.customer.Name),
		Fields:  []Field{{Label: h.cat.T(r.lang, "field_complaint"), Value: c.Text}},
		Buttons: []Button{{Label: h.cat.T(r.lang, "btn_show"), Command: "show #" + string(p.customer.ID)}},
	}}}, nil
}

// resolve: resolve 12: replaced the inverter, customer satisfied
func (h *Handler) resolve(ctx context.Context, r *request) (Reply, error) {
	num, text, _ := splitColon(r.args)
	no, err := strconv.ParseInt(strings.TrimPrefix(num, "#"), 10, 64)
	if err != nil || no <= 0 {
		return Reply{}, invalid("err_resolve_form")
	}
	if text == "" {
		return Reply{Blocks: []Block{{Text: h.cat.T(r.lang, "ask_resolve")}}, Prompt: "resolve " + num + ":"}, nil
	}
	res, satisfied := resolutionOf(text)
	c, err := h.store.ResolveComplaint(ctx, crm.ComplaintNo(no), r.Staff.ID, h.now(), res, clip(text, 2000), satisfied)
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		return Reply{}, crm.Errorf(crm.ENOTFOUND, "err_complaint_not_found", "no", no)
	}
	if err != nil {
		return Reply{}, err
	}
	fields := []Field{{Label: h.cat.T(r.lang, "field_resolution"), Value: h.cat.T(r.lang, "resolution_"+string(res))}}
	if satisfied != nil {
		key := "satisfied_no"
		if *satisfied {
			key = "satisfied_yes"
		}
		fields = append(fields, Field{Label: h.cat.T(r.lang, "field_satisfied"), Value: h.cat.T(r.lang, key)})
	}
	return Reply{Blocks: []Block{{
		Text:    h.cat.T(r.lang, "complaint_resolved", "no", no),
		Fields:  fields,
		Buttons: []Button{{Label: h.cat.T(r.lang, "btn_show"), Command: "show #" + string(c.CustomerID)}},
	}}}, nil
}

// resolutionOf reads how a complaint was settled and whether the customer
// was satisfied from the words of the note.
func resolutionOf(text string) (crm.Resolution, *bool) {
	t := strings.ToLower(text)
	res := crm.ResolutionOther
	switch {
	case containsAny(t, "replace", "ganti", "更换", "更換", "换", "換"):
		res = crm.ResolutionReplacement
	case containsAny(t, "refund", "bayar balik", "pengembalian dana", "退款"):
		res = crm.ResolutionRefund
	case containsAny(t, "fix", "repair", "baiki", "perbaiki", "修"):
		res = crm.ResolutionFixed
	}
	var satisfied *bool
	switch {
	case containsAny(t, "not satisfied", "unsatisfied", "dissatisfied", "unhappy", "tidak puas", "tak puas", "不满意", "不滿意"):
		satisfied = new(bool)
	case containsAny(t, "satisfied", "happy", "puas", "满意", "滿意"):
		yes := true
		satisfied = &yes
	}
	return res, satisfied
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}
