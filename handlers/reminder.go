package handlers

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/crmbot/crmbot/crm"
)

// remind: remind Siti 2026-12-01 09:00: send new catalogue
func (h *Handler) remind(ctx context.Context, r *request) (Reply, error) {
	head, text, ok := splitColon(timeColons(r.args))
	head = untimeColons(head)
	text = untimeColons(text)
	if !ok || head == "" || text == "" {
		return Reply{}, invalid("err_remind_form")
	}
	now := h.now()
	if past, ok := pastDate(head, now); ok {
		return Reply{}, invalid("err_past_when", "when", past)
	}
	at, timed, who, found := h.dates.Parse(head, now)
	if !found || who == "" {
		return Reply{}, invalid("err_remind_form")
	}
	if !timed {
		at = time.Date(at.Year(), at.Month(), at.Day(), h.digestH, h.digestM, 0, 0, h.cfg.Location)
	}
	if !at.After(now) {
		return Reply{}, invalid("err_past_when", "when", h.when(at))
	}
	p, err := h.customer(ctx, r, who, func(ref string) string {
		return "remind " + ref + " " + at.Format("2006-01-02 15:04") + ": " + text
	})
	if err != nil || p.reply != nil {
		return deref(p.reply), err
	}
	rem := &crm.Reminder{Staff: r.Staff.ID, CustomerID: p.customer.ID, Customer: p.customer.Name, DueAt: at, Text: clip(text, 500)}
	if err := h.store.AddReminder(ctx, rem); err != nil {
		return Reply{}, err
	}
	h.audit(ctx, r, p.customer.ID)
	return Reply{Blocks: []Block{{
		Text:    h.cat.T(r.lang, "reminder_set", "name", p.customer.Name, "when", h.when(at)),
		Fields:  []Field{{Label: h.cat.T(r.lang, "field_note"), Value: rem.Text}},
		Buttons: []Button{{Label: h.cat.T(r.lang, "btn_cancel"), Command: "done " + rem.ID}},
	}}}, nil
}

// isoDate finds a written-out date, which the date parser passes over when
// it is already past.
var isoDate = regexp.MustCompile(`\b(\d{4}-\d{2}-\d{2})(?:[ T](\d{1,2}:\d{2}))?\b`)

// pastDate returns a date written in s that lies before today, for a clear refusal.
func pastDate(s string, now time.Time) (string, bool) {
	m := isoDate.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	d, err := time.ParseInLocation("2006-01-02", m[1], now.Location())
	if err != nil || !d.Before(time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())) {
		return "", false
	}
	return strings.TrimSpace(m[0]), true
}

// clockTime matches "09:00" so its colon is not taken for the one that ends
// the customer and date.
var clockTime = regexp.MustCompile(`\b(\d{1,2}):(\d{2})\b`)

func timeColons(s string) string   { return clockTime.ReplaceAllString(s, "${1}\x00${2}") }
func untimeColons(s string) string { return strings.ReplaceAll(s, "\x00", ":") }

// followups lists my follow-ups due today and overdue; "followups all" lists
// everyone's, for managers.
func (h *Handler) followups(ctx context.Context, r *request) (Reply, error) {
	arg := strings.ToLower(strings.TrimSpace(r.args))
	if arg != "" && arg != "all" {
		return Reply{}, invalid("err_followups_form")
	}
	endOfDay := time.Date(h.now().Year(), h.now().Month(), h.now().Day(), 23, 59, 59, 0, h.cfg.Location)
	staff := []crm.Staff{*r.Staff}
	if arg == "all" {
		if !r.Staff.Role.AtLeast(crm.RoleManager) {
			return Reply{}, crm.Errorf(crm.EFORBIDDEN, "err_forbidden_command", "command", "followups all")
		}
		all, err := h.store.ListStaff(ctx)
		if err != nil {
			return Reply{}, err
		}
		staff = all
	}
	var blocks []Block
	for _, s := range staff {
		rs, err := h.store.OpenReminders(ctx, s.ID)
		if err != nil {
			return Reply{}, err
		}
		var lines []string
		var buttons []Button
		for _, rm := range rs {
			if rm.DueAt.After(endOfDay) {
				continue
			}
			mark := ""
			if rm.DueAt.Before(h.now()) {
				mark = "⚠ "
			}
			lines = append(lines, "• "+mark+h.when(rm.DueAt)+" "+rm.Customer+": "+clip(rm.Text, 100))
			if arg == "" && len(buttons) < 20 {
				buttons = append(buttons, Button{Label: h.cat.T(r.lang, "btn_done") + " " + clip(rm.Customer, 20), Command: "done " + rm.ID})
			}
		}
		if len(lines) == 0 {
			continue
		}
		b := Block{Text: strings.Join(lines, "\n"), Buttons: buttons}
		if arg == "all" {
			b.Heading = s.Name
		}
		blocks = append(blocks, b)
	}
	if len(blocks) == 0 {
		return Text(h.cat.T(r.lang, "no_followups")), nil
	}
	return Reply{Blocks: append([]Block{{Heading: h.cat.T(r.lang, "followups_heading")}}, blocks...)}, nil
}

// done marks a reminder done: done <reminder id> (from a button).
func (h *Handler) done(ctx context.Context, r *request) (Reply, error) {
	id := strings.TrimSpace(r.args)
	if id == "" || strings.ContainsAny(id, " $.") {
		return Reply{}, invalid("err_done_form")
	}
	// A reminder is its owner's to close; a manager may close anyone's.
	if !r.Staff.Role.AtLeast(crm.RoleManager) {
		rs, err := h.store.OpenReminders(ctx, r.Staff.ID)
		if err != nil {
			return Reply{}, err
		}
		if !slices.ContainsFunc(rs, func(rm crm.Reminder) bool { return rm.ID == id }) {
			return Reply{}, crm.Errorf(crm.ENOTFOUND, "err_reminder_not_found")
		}
	}
	if err := h.store.CompleteReminder(ctx, id, h.now()); err != nil {
		return Reply{}, err
	}
	return Text(h.cat.T(r.lang, "reminder_done")), nil
}

// snooze moves a reminder: snooze <reminder id> <when> (from a nudge's buttons).
func (h *Handler) snooze(ctx context.Context, r *request) (Reply, error) {
	id, when, _ := strings.Cut(strings.TrimSpace(r.args), " ")
	if id == "" || when == "" || strings.ContainsAny(id, "$.") {
		return Reply{}, invalid("err_snooze_form")
	}
	at, err := h.followUpTime(when)
	if err != nil {
		return Reply{}, err
	}
	rs, err := h.store.OpenReminders(ctx, r.Staff.ID)
	if err != nil {
		return Reply{}, err
	}
	for _, rm := range rs {
		if rm.ID != id {
			continue
		}
		if err := h.store.CompleteReminder(ctx, id, h.now()); err != nil {
			return Reply{}, err
		}
		next := &crm.Reminder{Staff: rm.Staff, CustomerID: rm.CustomerID, Customer: rm.Customer, DueAt: at, Text: rm.Text}
		if err := h.store.AddReminder(ctx, next); err != nil {
			return Reply{}, err
		}
		return Text(h.cat.T(r.lang, "reminder_snoozed", "when", h.when(at))), nil
	}
	return Reply{}, crm.Errorf(crm.ENOTFOUND, "err_reminder_not_found")
}
