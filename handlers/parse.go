package handlers

import (
	"context"
	"regexp"
	"slices"
	"strings"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/phone"
)

// splitColon splits "Siti: called about ..." into the customer and the rest.
// Full-width colons count too, as Chinese keyboards type them.
func splitColon(s string) (who, rest string, ok bool) {
	i := strings.IndexAny(s, ":：")
	if i < 0 {
		return strings.TrimSpace(s), "", false
	}
	_, w := firstRune(s[i:])
	return strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+w:]), true
}

func firstRune(s string) (rune, int) {
	for _, r := range s {
		return r, len(string(r))
	}
	return 0, 0
}

var kvKey = regexp.MustCompile(`^[a-z_]{2,20}$`)

// kv is one key=value setting from a request; a value runs until the next key.
type kv struct{ key, value string }

// splitKV separates the words before the first key=value from the settings.
func splitKV(s string) (head string, kvs []kv) {
	var headWords []string
	for _, f := range strings.Fields(s) {
		if key, value, ok := strings.Cut(f, "="); ok && kvKey.MatchString(strings.ToLower(key)) {
			kvs = append(kvs, kv{key: strings.ToLower(key), value: value})
			continue
		}
		if len(kvs) > 0 {
			last := &kvs[len(kvs)-1]
			last.value = strings.TrimSpace(last.value + " " + f)
			continue
		}
		headWords = append(headWords, f)
	}
	for i := range kvs {
		kvs[i].value = strings.Trim(kvs[i].value, `"'“”`)
	}
	return strings.Join(headWords, " "), kvs
}

// campaignValue splits a campaign= value: a campaign's name is one word
// ("raya-2026"), so what follows it ("raya-2026, follow up next week")
// belongs back to the text it was typed in.
func campaignValue(v string) (name, rest string) {
	first, rest, _ := strings.Cut(strings.TrimSpace(v), " ")
	return clip(strings.ToLower(strings.TrimRight(first, ",.;:!?")), 60), strings.TrimSpace(rest)
}

// customerRef is how the customer was named in a request.
type customerRef struct{ text string }

// byID reports whether the reference is "#<id>", as buttons send.
func (c customerRef) byID() (crm.CustomerID, bool) {
	if strings.HasPrefix(c.text, "#") && len(c.text) > 1 && !strings.ContainsAny(c.text, " \t") {
		return crm.CustomerID(c.text[1:]), true
	}
	return "", false
}

// pick is the outcome of naming a customer: exactly one, or a reply that
// offers the candidates or says none matched.
type pick struct {
	customer *crm.Customer
	reply    *Reply
}

// maxCandidates is how many customers an ambiguous name offers.
const maxCandidates = 8

// customer finds the one customer q names. redo builds the request line that
// repeats the command for a chosen candidate, for the candidates' buttons.
func (h *Handler) customer(ctx context.Context, r *request, q string, redo func(ref string) string) (pick, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return pick{}, invalid("err_customer_missing")
	}
	if id, ok := (customerRef{q}).byID(); ok {
		c, err := h.store.Customer(ctx, id)
		if err != nil {
			return pick{}, err
		}
		return pick{customer: c}, nil
	}
	cs, total, err := h.search(ctx, q, maxCandidates)
	if err != nil {
		return pick{}, err
	}
	switch {
	case len(cs) == 0:
		return pick{}, crm.Errorf(crm.ENOTFOUND, "err_customer_not_found", "query", clip(q, 40))
	case len(cs) == 1:
		return pick{customer: cs[0]}, nil
	}
	// A name typed in full picks its customer even when others share a word.
	var exact []*crm.Customer
	for _, c := range cs {
		if strings.EqualFold(strings.TrimSpace(c.Name), q) {
			exact = append(exact, c)
		}
	}
	if len(exact) == 1 {
		return pick{customer: exact[0]}, nil
	}
	rep := h.candidates(r, cs, total, redo)
	return pick{reply: &rep}, nil
}

// search looks q up as a phone (whole, in the local form of a neighbouring
// country, or its last digits), an e-mail or its domain, or words of a name.
func (h *Handler) search(ctx context.Context, q string, limit int) ([]*crm.Customer, int, error) {
	if len(q) > 100 {
		q = q[:100]
	}
	if phone.Shaped(q) {
		if !phone.Looks(q) {
			return nil, 0, invalid("err_phone_partial_short", "query", clip(q, 20))
		}
		cs, err := h.customersByPhone(ctx, q)
		if err != nil || len(cs) > 0 {
			return cs, len(cs), err
		}
		return h.store.FindCustomers(ctx, q, limit) // the last digits of a phone
	}
	if strings.Contains(q, "@") && !strings.HasPrefix(q, "@") && !strings.ContainsAny(q, " \t") {
		cs, err := h.store.CustomersByEmail(ctx, strings.ToLower(q))
		return cs, len(cs), err
	}
	return h.store.FindCustomers(ctx, q, limit)
}

// customersByPhone returns the customers holding any reading of the number
// q (phone.Readings): those of several readings are all offered.
func (h *Handler) customersByPhone(ctx context.Context, q string) ([]*crm.Customer, error) {
	var out []*crm.Customer
	for _, e164 := range phone.Readings(q, h.cfg.Region) {
		cs, err := h.store.CustomersByPhone(ctx, e164)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			if !slices.ContainsFunc(out, func(o *crm.Customer) bool { return o.ID == c.ID }) {
				out = append(out, c)
			}
		}
	}
	return out, nil
}

// candidates offers customers as buttons that repeat the command for each.
func (h *Handler) candidates(r *request, cs []*crm.Customer, total int, redo func(ref string) string) Reply {
	b := Block{Text: h.cat.T(r.lang, "which_customer", "count", total)}
	for _, c := range cs {
		b.Buttons = append(b.Buttons, Button{Label: customerLabel(c), Command: redo("#" + string(c.ID))})
	}
	if total > len(cs) {
		b.Text += "\n" + h.cat.T(r.lang, "more_matches", "count", total-len(cs))
	}
	return Reply{Blocks: []Block{b}}
}

// customerLabel is a customer's one-line name for lists and buttons.
func customerLabel(c *crm.Customer) string {
	s := c.Name
	if c.Company != "" {
		s += " (" + c.Company + ")"
	}
	if len(c.Phones) > 0 {
		s += " " + phone.Format(c.Phones[0])
	}
	return s
}
