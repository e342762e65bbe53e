package handlers

import (
	"context"
	"strings"
	"time"

	"github.com/crmbot/crmbot/crm"
)

// undoWindow is how far back undo reaches; older mistakes are corrected
// with edit or delete, which say what they change.
const undoWindow = 24 * time.Hour

// undo: undo · undo merge 3
func (h *Handler) undo(ctx context.Context, r *request) (Reply, error) {
	if word, rest, _ := strings.Cut(r.args, " "); strings.EqualFold(word, "merge") {
		if !r.Staff.Role.AtLeast(crm.RoleManager) {
			return Reply{}, crm.Errorf(crm.EFORBIDDEN, "err_forbidden_command", "command", "merge")
		}
		r.args = "undo " + strings.TrimSpace(rest)
		return h.merge(ctx, r)
	}
	if r.args != "" {
		return Reply{}, invalid("err_undo_form")
	}
	now := h.cfg.Now()
	w, err := h.store.Undo(ctx, r.Staff.ID, now.Add(-undoWindow), now, h.tierNow())
	switch crm.ErrorCode(err) {
	case "":
	case crm.EINVALID:
		if w != nil {
			return Reply{}, invalid("err_undo_too_old", "what", h.writeName(r, w), "when", h.when(w.At), "hours", int(undoWindow.Hours()))
		}
		return Reply{}, err
	case crm.ENOTFOUND:
		if w == nil {
			return Reply{}, crm.Errorf(crm.ENOTFOUND, "err_undo_nothing", "hours", int(undoWindow.Hours()))
		}
		return Reply{}, crm.Errorf(crm.ENOTFOUND, "err_undo_gone", "what", h.writeName(r, w))
	default:
		return Reply{}, err
	}
	h.audit(ctx, r, w.CustomerID)
	b := h.writeBlock(r, w)
	name := ""
	if c, err := h.store.Customer(ctx, w.CustomerID); err == nil {
		name = c.Name
		b.Buttons = []Button{{Label: h.cat.T(r.lang, "btn_show"), Command: "show #" + string(c.ID)}}
	}
	b.Text = h.cat.T(r.lang, "undone", "what", h.writeName(r, w), "name", name) + "\n" + h.cat.T(r.lang, "undo_again")
	if w.WonBack != nil {
		b.Text += "\n" + h.cat.T(r.lang, "undo_lost_again", "name", name)
	}
	return Reply{Blocks: []Block{b}}, nil
}

// writeName names a write: "sale #57", "the edit of log #210".
func (h *Handler) writeName(r *request, w *crm.Write) string {
	var record string
	switch {
	case w.Sale != nil:
		record = h.cat.T(r.lang, "record_sale", "no", int64(w.Sale.No))
	case w.Interaction != nil:
		record = h.cat.T(r.lang, "record_log", "no", int64(w.Interaction.No))
	case w.Complaint != nil:
		record = h.cat.T(r.lang, "record_complaint", "no", int64(w.Complaint.No))
	case w.Customer != nil:
		record = h.cat.T(r.lang, "record_customer", "name", w.Customer.Name)
	case len(w.Reminders) > 0:
		record = h.cat.T(r.lang, "record_reminder", "when", h.when(w.Reminders[0].DueAt))
	}
	switch w.Kind {
	case crm.WriteLost:
		return h.cat.T(r.lang, "write_lost", "name", w.Customer.Name)
	case crm.WriteDone:
		return h.cat.T(r.lang, "write_done", "what", record)
	case crm.WriteResolve:
		return h.cat.T(r.lang, "write_resolve", "what", record)
	case crm.WriteEditSale, crm.WriteEditLog, crm.WriteEditComplaint, crm.WriteEditCustomer:
		return h.cat.T(r.lang, "write_edit", "what", record)
	case crm.WriteDeleteSale, crm.WriteDeleteLog, crm.WriteDeleteComplaint:
		return h.cat.T(r.lang, "write_delete", "what", record)
	}
	return record
}

// writeBlock shows what an undo changed: the record it removed or put
// back, or, for an edit taken back, each field as "edited → restored".
func (h *Handler) writeBlock(r *request, w *crm.Write) Block {
	var b Block
	switch {
	case w.Edited.Sale != nil:
		b.Fields = h.saleChanges(r, w.Edited.Sale, w.Sale)
	case w.Edited.Interaction != nil:
		b.Fields = []Field{h.change(r, "field_notes", clip(w.Edited.Interaction.Notes, 200), clip(w.Interaction.Notes, 200))}
	case w.Edited.Complaint != nil:
		b.Fields = h.complaintChanges(r, w.Edited.Complaint, w.Complaint)
	case w.Sale != nil:
		b = h.saleBlock(r, w.Sale)
	case w.Interaction != nil:
		b = h.logBlock(r, w.Interaction)
	case w.Complaint != nil:
		b = h.complaintBlock(r, w.Complaint)
	}
	for _, rm := range w.Reminders {
		b.Fields = append(b.Fields, Field{Label: h.cat.T(r.lang, "field_follow_up"), Value: h.when(rm.DueAt) + " " + clip(rm.Text, 80)})
	}
	return b
}
