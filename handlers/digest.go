package handlers

import (
	"context"
	"strconv"
	"strings"
)

// digest: today's summary for managers: customers, and per staff member
// the follow-ups overdue and due today.
func (h *Handler) digest(ctx context.Context, r *request) (Reply, error) {
	n, err := h.store.CountCustomers(ctx)
	if err != nil {
		return Reply{}, err
	}
	staff, err := h.store.ListStaff(ctx)
	if err != nil {
		return Reply{}, err
	}
	now := h.now()
	var lines []string
	for _, s := range staff {
		rs, err := h.store.OpenReminders(ctx, s.ID)
		if err != nil {
			return Reply{}, err
		}
		overdue, today := 0, 0
		for _, rm := range rs {
			switch {
			case rm.DueAt.Before(now):
				overdue++
			case sameDay(rm.DueAt.In(h.cfg.Location), now):
				today++
			}
		}
		lines = append(lines, "• "+s.Name+" ("+h.cat.T(r.lang, "role_"+string(s.Role))+"): "+
			h.cat.T(r.lang, "digest_staff_line", "overdue", overdue, "today", today))
	}
	return Reply{Blocks: []Block{
		{Heading: h.cat.T(r.lang, "digest_heading", "date", now.Format("2006-01-02")),
			Fields: []Field{{Label: h.cat.T(r.lang, "digest_customers"), Value: strconv.FormatInt(n, 10)}}},
		{Text: strings.Join(lines, "\n")},
	}}, nil
}
