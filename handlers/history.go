package handlers

import (
	"context"
	"strings"

	"github.com/crmbot/crmbot/crm"
)

// historyPage is how many changes history shows.
const historyPage = 20

// audit records that r changed customer c (none for a change to staff).
// It is called after the write succeeded; a failure to record is logged,
// not shown, since the change itself stands.
func (h *Handler) audit(ctx context.Context, r *request, c crm.CustomerID) {
	e := &crm.AuditEntry{At: h.cfg.Now(), Staff: r.Staff.ID, StaffName: r.Staff.Name, Command: r.name,
		Text: clip(strings.TrimSpace(r.name+" "+r.args), 300), Customer: c}
	if err := h.store.Audit(ctx, e); err != nil {
		h.log.Warn("record audit entry", "command", r.name, "staff", r.Staff.ID, "err", err)
	}
}

// history: history Siti · history staff (managers). Who changed a
// customer, when, and what they typed; or the changes to staff.
func (h *Handler) history(ctx context.Context, r *request) (Reply, error) {
	if r.args == "" {
		return Reply{Blocks: []Block{{Text: h.cat.T(r.lang, "ask_customer")}}, Prompt: "history"}, nil
	}
	var id crm.CustomerID
	heading := h.cat.T(r.lang, "history_staff_heading")
	if !strings.EqualFold(r.args, "staff") {
		p, err := h.customer(ctx, r, r.args, func(ref string) string { return "history " + ref })
		if err != nil || p.reply != nil {
			return deref(p.reply), err
		}
		id, heading = p.customer.ID, h.cat.T(r.lang, "history_heading", "name", p.customer.Name)
	}
	es, err := h.store.History(ctx, id, historyPage)
	if err != nil {
		return Reply{}, err
	}
	b := Block{Heading: heading}
	if len(es) == 0 {
		b.Text = h.cat.T(r.lang, "history_none")
	}
	for _, e := range es {
		b.Fields = append(b.Fields, Field{Label: h.when(e.At) + " · " + e.StaffName, Value: e.Text})
	}
	if id != "" {
		b.Buttons = []Button{{Label: h.cat.T(r.lang, "btn_show"), Command: "show #" + string(id)}}
	}
	return Reply{Blocks: []Block{b}}, nil
}
