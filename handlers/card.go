package handlers

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/phone"
)

// card is the customer card: contact, profile, value, recent contacts, open
// complaints and this staff member's follow-ups, with the actions a person
// takes most from it.
func (h *Handler) card(ctx context.Context, r *request, c *crm.Customer) Reply {
	l := r.lang
	t := func(key string, args ...any) string { return h.cat.T(l, key, args...) }
	head := c.Name
	if c.Company != "" {
		head += " · " + c.Company
	}
	main := Block{Heading: head}
	add := func(key, v string) {
		if strings.TrimSpace(v) != "" {
			main.Fields = append(main.Fields, Field{Label: t(key), Value: v})
		}
	}
	var phones []string
	for _, p := range c.Phones {
		phones = append(phones, phone.Format(p))
	}
	add("field_phone", strings.Join(phones, ", "))
	add("field_email", strings.Join(c.Emails, ", "))
	add("field_address", strings.TrimSpace(strings.Trim(c.Address+", "+c.City, ", ")))
	add("field_website", c.Website)
	var social []string
	for k, v := range c.Social {
		social = append(social, k+": "+v)
	}
	sort.Strings(social)
	add("field_social", strings.Join(social, ", "))
	add("field_contact", c.PreferredContact)
	add("field_source", c.Source)
	add("field_birthday", string(c.Birthday))
	add("field_anniversary", string(c.Anniversary))
	var fam []string
	for _, f := range c.Family {
		s := f.Name
		if f.Relation != "" {
			s += " (" + f.Relation + ")"
		}
		if f.Birthday != "" {
			s += " " + string(f.Birthday)
		}
		fam = append(fam, s)
	}
	add("field_family", strings.Join(fam, "; "))
	add("field_hobbies", strings.Join(c.Hobbies, ", "))
	add("field_memberships", strings.Join(c.Memberships, ", "))
	add("field_tier", h.tierName(l, c.Stats.Tier))
	// The viewer's open reminders about c: listed below, and a planned
	// follow-up for the lead score.
	var mine []crm.Reminder
	if rs, err := h.store.OpenReminders(ctx, r.Staff.ID); err == nil {
		for _, rm := range rs {
			if rm.CustomerID == c.ID {
				mine = append(mine, rm)
			}
		}
	}
	if c.IsProspect() {
		add("field_lead", h.leadText(l, crm.ScoreLead(c, h.now(), len(mine) > 0)))
	}
	if c.Stats.Orders > 0 {
		add("field_orders", t("orders_spent", "count", c.Stats.Orders, "spent", h.amounts(l, c.Stats.Spent)))
	}
	if c.Stats.CreditDue > 0 {
		add("field_credit_due", h.creditDue(l, c.Stats))
	}
	if !c.Stats.LastContactAt.IsZero() {
		add("field_last_contact", h.ago(l, c.Stats.LastContactAt))
	}
	if c.Lost != nil {
		add("field_lost", strings.Trim(c.Lost.Competitor+", "+c.Lost.Reason, ", "))
	}
	for _, w := range c.WonBack { // handlers/records.go
		add("field_won_back", h.wonBackCard(l, w))
	}
	add("field_notes", c.Notes)
	blocks := []Block{main}

	if len(c.Recent) > 0 {
		b := Block{Heading: t("card_recent")}
		var lines []string
		for i := len(c.Recent) - 1; i >= 0; i-- {
			it := c.Recent[i]
			lines = append(lines, "• "+h.when(it.At)+" "+t("kind_"+string(it.Kind))+": "+clip(it.Notes, 120))
		}
		b.Text = strings.Join(lines, "\n")
		blocks = append(blocks, b)
	}
	if len(c.Open) > 0 {
		b := Block{Heading: t("card_open_complaints")}
		var lines []string
		for _, o := range c.Open {
			lines = append(lines, "• #"+strconv.FormatInt(int64(o.No), 10)+" "+h.when(o.OpenedAt)+": "+clip(o.Text, 120))
		}
		b.Text = strings.Join(lines, "\n")
		blocks = append(blocks, b)
	}
	if len(mine) > 0 {
		var lines []string
		for _, rm := range mine {
			lines = append(lines, "• "+h.when(rm.DueAt)+": "+clip(rm.Text, 100))
		}
		blocks = append(blocks, Block{Heading: t("card_followups"), Text: strings.Join(lines, "\n")})
	}
	ref := "#" + string(c.ID)
	blocks = append(blocks, Block{Buttons: []Button{
		{Label: t("btn_log_call"), Command: "log call " + ref},
		{Label: t("btn_log_visit"), Command: "log visit " + ref},
		{Label: t("btn_sale"), Command: "sale " + ref},
		{Label: t("btn_complaint"), Command: "complaint " + ref},
		{Label: t("btn_follow_tomorrow"), Command: "remind " + ref + " tomorrow: " + t("follow_up_text")},
		{Label: t("btn_follow_week"), Command: "remind " + ref + " next week: " + t("follow_up_text")},
	}})
	return Reply{Blocks: blocks}
}

// leadText says a prospect's lead score, its band and the strongest reasons
// in one sentence, e.g. "72 (warm): came by referral, 3 calls in the last 30 days."
func (h *Handler) leadText(lang string, lead crm.Lead) string {
	band := h.cat.T(lang, "lead_band_"+string(lead.Band))
	if len(lead.Reasons) == 0 {
		return h.cat.T(lang, "lead_value_none", "score", lead.Score, "band", band)
	}
	reasons := make([]string, len(lead.Reasons))
	for i, r := range lead.Reasons {
		reasons[i] = h.cat.T(lang, r.Key, r.Args...)
	}
	return h.cat.T(lang, "lead_value", "score", lead.Score, "band", band,
		"reasons", strings.Join(reasons, h.cat.T(lang, "lead_reason_sep")))
}

// when shows a moment in the business's zone.
func (h *Handler) when(t time.Time) string {
	return t.In(h.cfg.Location).Format("2006-01-02 15:04")
}

// ago says how long ago t was, in days.
func (h *Handler) ago(lang string, t time.Time) string {
	days := int(h.now().Sub(t).Hours() / 24)
	return h.when(t) + " (" + h.cat.T(lang, "days_ago", "count", days) + ")"
}

// tierName is a value tier in lang: "one-off" is "one-off big buyer".
func (h *Handler) tierName(lang string, t crm.Tier) string {
	return h.cat.T(lang, "tier_"+strings.ReplaceAll(string(t), "-", "_"))
}

// amounts shows totals kept per currency: the base currency first, the
// others after it as "also ...", each through h.money and never added
// together: "MYR 30,000.00 (also USD 120.00, IDR 1,500,000)". A customer
// who bought only in other currencies gets those alone.
func (h *Handler) amounts(lang string, totals map[string]int64) string {
	base := h.cfg.Currency
	var others []string
	for cur, v := range totals {
		if cur != base && v != 0 {
			others = append(others, cur)
		}
	}
	sort.Strings(others)
	shown := make([]string, len(others))
	for i, cur := range others {
		shown[i] = h.money(crm.Money{Minor: totals[cur], Currency: cur})
	}
	v, ok := totals[base]
	switch {
	case len(others) == 0:
		return h.money(crm.Money{Minor: v, Currency: base})
	case !ok || v == 0:
		return strings.Join(shown, ", ")
	}
	return h.money(crm.Money{Minor: v, Currency: base}) + " (" + h.cat.T(lang, "money_also", "amounts", strings.Join(shown, ", ")) + ")"
}

// creditDue shows a customer's outstanding credit. Stats keep it as one
// number without a currency, so it is shown as money only when every sale
// of the customer was in one currency; otherwise the sum mixes currencies
// and the card says so instead of showing it.
func (h *Handler) creditDue(lang string, st crm.Stats) string {
	if len(st.Spent) == 1 {
		for cur := range st.Spent {
			return h.money(crm.Money{Minor: st.CreditDue, Currency: cur})
		}
	}
	return h.cat.T(lang, "credit_due_mixed")
}
