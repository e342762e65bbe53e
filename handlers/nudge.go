package handlers

import (
	"context"

	"github.com/crmbot/crmbot/crm"
)

// nudgeReply is a follow-up nudge: the customer, what to do, the last
// interaction, and buttons to finish, snooze or open the customer. A
// reminder done or snoozed meanwhile cancels it.
func (s *Scheduler) nudgeReply(ctx context.Context, d crm.Delivery, lang string) (Reply, string, error) {
	t := func(key string, args ...any) string { return s.h.cat.T(lang, key, args...) }
	rem, err := s.st.Reminder(ctx, d.Reminder)
	if crm.ErrorCode(err) == crm.ENOTFOUND || err == nil && !rem.DoneAt.IsZero() {
		return Reply{}, "the reminder was done or snoozed", nil
	}
	if err != nil {
		return Reply{}, "", err
	}
	b := Block{Heading: t("nudge_heading", "name", rem.Customer), Text: rem.Text,
		Fields: []Field{{Label: t("nudge_due"), Value: s.h.when(rem.DueAt)}}}
	c, err := s.h.store.Customer(ctx, rem.CustomerID)
	switch crm.ErrorCode(err) {
	case "":
		if last := lastInteraction(c); last != nil {
			v := t("kind_"+string(last.Kind)) + ", " + s.h.when(last.At)
			if last.Notes != "" {
				v += ": " + clip(last.Notes, 200)
			}
			b.Fields = append(b.Fields, Field{Label: t("nudge_last"), Value: v})
		}
	case crm.ENOTFOUND:
		s.log.Info("nudge for a customer no longer on record", "reminder", rem.ID)
		b.Fields = append(b.Fields, Field{Label: t("nudge_last"), Value: t("nudge_customer_gone")})
		c = nil
	default:
		return Reply{}, "", err
	}
	b.Buttons = []Button{
		{Label: t("btn_done"), Command: "done " + rem.ID},
		{Label: t("btn_snooze_day"), Command: "snooze " + rem.ID + " tomorrow"},
		{Label: t("btn_snooze_week"), Command: "snooze " + rem.ID + " next week"},
	}
	if c != nil {
		b.Buttons = append(b.Buttons, Button{Label: t("btn_show"), Command: "show #" + string(c.ID)})
	}
	return Reply{Blocks: []Block{b}}, "", nil
}

// lastInteraction is the newest of a customer's recent interactions.
func lastInteraction(c *crm.Customer) *crm.Interaction {
	var last *crm.Interaction
	for i := range c.Recent {
		if last == nil || c.Recent[i].At.After(last.At) {
			last = &c.Recent[i]
		}
	}
	return last
}
