package handlers

import (
	"context"
	"strconv"
	"strings"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/phone"
)

// maxDuplicates is how many likely duplicate pairs one answer lists.
const maxDuplicates = 20

// duplicates: duplicates
func (h *Handler) duplicates(ctx context.Context, r *request) (Reply, error) {
	st, ok := h.store.(crm.MergeStore)
	if !ok {
		return Reply{}, crm.Errorf(crm.EINTERNAL, "err_internal")
	}
	pairs, err := st.Duplicates(ctx, maxDuplicates)
	if err != nil {
		return Reply{}, err
	}
	t := func(key string, args ...any) string { return h.cat.T(r.lang, key, args...) }
	if len(pairs) == 0 {
		return Text(t("duplicates_none")), nil
	}
	b := Block{Heading: t("duplicates_heading", "count", len(pairs))}
	var lines []string
	for i, p := range pairs {
		value := p.Value
		if p.Reason == "phone" {
			value = phone.Format(value)
		}
		lines = append(lines, strconv.Itoa(i+1)+". "+p.A.Name+" ↔ "+p.B.Name+" — "+t("duplicate_"+p.Reason, "value", value))
		b.Buttons = append(b.Buttons, Button{Label: t("btn_merge", "n", i+1), Command: "merge #" + string(p.A.ID) + " #" + string(p.B.ID)})
	}
	b.Text = strings.Join(lines, "\n") + "\n" + t("duplicates_hint")
	return Reply{Blocks: []Block{b}}, nil
}

// merge: merge Siti Nurhaliza, Siti N. · merge #a #b · merge undo 3
func (h *Handler) merge(ctx context.Context, r *request) (Reply, error) {
	st, ok := h.store.(crm.MergeStore)
	if !ok {
		return Reply{}, crm.Errorf(crm.EINTERNAL, "err_internal")
	}
	t := func(key string, args ...any) string { return h.cat.T(r.lang, key, args...) }
	tier := func(s crm.Stats) crm.Tier { return h.cfg.Tiers.Tier(s, h.cfg.Now()) }
	if word, rest, _ := strings.Cut(r.args, " "); strings.EqualFold(word, "undo") {
		no, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(rest), "#"), 10, 64)
		if err != nil || no < 1 {
			return Reply{}, invalid("err_merge_undo_form")
		}
		m, err := st.UndoMerge(ctx, no, h.cfg.Now(), tier)
		if err != nil {
			return Reply{}, err
		}
		h.audit(ctx, r, m.Keep)
		return Reply{Blocks: []Block{{
			Text: t("merge_undone", "no", no, "gone", m.Removed.Name, "keep", m.Before.Name),
			Buttons: []Button{{Label: m.Before.Name, Command: "show #" + string(m.Keep)},
				{Label: m.Removed.Name, Command: "show #" + string(m.Gone)}},
		}}}, nil
	}
	first, second, ok := splitPair(r.args)
	if !ok {
		return Reply{}, invalid("err_merge_form")
	}
	pa, err := h.customer(ctx, r, first, func(ref string) string { return "merge " + ref + ", " + second })
	if err != nil || pa.reply != nil {
		return deref(pa.reply), err
	}
	pb, err := h.customer(ctx, r, second, func(ref string) string { return "merge #" + string(pa.customer.ID) + ", " + ref })
	if err != nil || pb.reply != nil {
		return deref(pb.reply), err
	}
	if pa.customer.ID == pb.customer.ID {
		return Reply{}, invalid("err_merge_self", "name", pa.customer.Name)
	}
	m, c, err := st.MergeCustomers(ctx, pa.customer.ID, pb.customer.ID, r.Staff.ID, h.cfg.Now(), tier)
	if err != nil {
		return Reply{}, err
	}
	h.audit(ctx, r, c.ID)
	return Reply{Blocks: []Block{{
		Text: t("merged", "gone", pb.customer.Name, "keep", c.Name) + "\n" +
			t("merge_moved", "interactions", len(m.Interactions), "sales", len(m.Sales), "complaints", len(m.Complaints), "reminders", len(m.Reminders)) + "\n" +
			t("merge_undo_hint", "no", m.No),
		Buttons: []Button{{Label: t("btn_show"), Command: "show #" + string(c.ID)},
			{Label: t("btn_merge_undo"), Command: "merge undo " + strconv.FormatInt(m.No, 10)}},
	}}}, nil
}

// splitPair splits two customers: at a comma, a " + " or " into ", or
// between two #ids (as buttons send). Two bare words are not split: "merge
// Siti Nurhaliza" is one customer, not two.
func splitPair(s string) (a, b string, ok bool) {
	s = strings.TrimSpace(s)
	for _, sep := range []string{",", "，", " + ", " into "} {
		if x, y, found := strings.Cut(s, sep); found {
			x, y = strings.TrimSpace(x), strings.TrimSpace(y)
			return x, y, x != "" && y != ""
		}
	}
	if f := strings.Fields(s); len(f) == 2 && strings.HasPrefix(f[0], "#") && strings.HasPrefix(f[1], "#") {
		return f[0], f[1], true
	}
	return "", "", false
}

// registerMore adds the commands of issue 6 that came after lost and segment,
// keeping handler.go's table untouched.
func (h *Handler) registerMore() {
	h.commands["duplicates"] = command{run: h.duplicates, minRole: crm.RoleManager}
	h.commands["merge"] = command{run: h.merge, minRole: crm.RoleManager}
	h.commands["campaign"] = command{run: h.campaign, minRole: crm.RoleManager} // handlers/campaign.go
}
