package handlers

import (
	"context"
	"strconv"
	"strings"

	"github.com/crmbot/crmbot/crm"
)

// campaign: campaign new raya-2026: segment=vip-kl · campaign report raya-2026
func (h *Handler) campaign(ctx context.Context, r *request) (Reply, error) {
	cs, ok := h.store.(crm.CampaignStore)
	ss, ok2 := h.store.(crm.SegmentStore)
	if !ok || !ok2 {
		return Reply{}, crm.Errorf(crm.EINTERNAL, "err_internal")
	}
	verb, rest, _ := strings.Cut(strings.TrimSpace(r.args), " ")
	switch strings.ToLower(verb) {
	case "new":
		return h.campaignNew(ctx, r, cs, ss, rest)
	case "report":
		name := strings.ToLower(strings.TrimSpace(rest))
		if !crm.ValidSegmentName(name) {
			return Reply{}, invalid("err_campaign_name", "name", clip(name, 40))
		}
		return h.campaignReport(ctx, r, cs, name)
	}
	return Reply{}, invalid("err_campaign_form")
}

// campaignNew records who the segment holds now as the campaign's targets.
func (h *Handler) campaignNew(ctx context.Context, r *request, cs crm.CampaignStore, ss crm.SegmentStore, rest string) (Reply, error) {
	name, spec, ok := splitColon(rest)
	name = strings.ToLower(name)
	if !ok || spec == "" {
		return Reply{}, invalid("err_campaign_form")
	}
	if !crm.ValidSegmentName(name) {
		return Reply{}, invalid("err_campaign_name", "name", clip(name, 40))
	}
	// "segment=vip-kl" names a saved segment or a tier; anything else is a filter.
	if v, found := strings.CutPrefix(spec, "segment="); found {
		spec = strings.TrimSpace(v)
	}
	q, err := h.parseSegment(ctx, ss, spec, false)
	if err != nil {
		return Reply{}, err
	}
	members, err := ss.SegmentMembers(ctx, q.filter)
	if err != nil {
		return Reply{}, err
	}
	c := &crm.Campaign{Name: name, Segment: q.expr, CreatedAt: h.cfg.Now(), CreatedBy: r.Staff.ID}
	for _, m := range members {
		c.Targets = append(c.Targets, m.ID)
	}
	if err := cs.CreateCampaign(ctx, c); err != nil {
		return Reply{}, err
	}
	t := func(key string, args ...any) string { return h.cat.T(r.lang, key, args...) }
	b := Block{Text: t("campaign_created", "name", name, "segment", q.expr, "count", len(members)) + "\n" + t("campaign_how", "name", name)}
	if list := "segment " + q.expr; len(list) <= 64 { // Telegram's callback data
		b.Buttons = append(b.Buttons, Button{Label: t("btn_campaign_list"), Command: list})
	}
	b.Buttons = append(b.Buttons, Button{Label: t("btn_campaign_report"), Command: "campaign report " + name})
	return Reply{Blocks: []Block{b}}, nil
}

// campaignReport shows reach, responses and revenue.
func (h *Handler) campaignReport(ctx context.Context, r *request, cs crm.CampaignStore, name string) (Reply, error) {
	c, err := cs.Campaign(ctx, name)
	if err != nil {
		return Reply{}, err
	}
	sales, logs, err := cs.CampaignResponses(ctx, name)
	if err != nil {
		return Reply{}, err
	}
	rep := c.Report(sales, logs)
	t := func(key string, args ...any) string { return h.cat.T(r.lang, key, args...) }
	rate := "0%"
	if rep.Reach > 0 {
		rate = strconv.FormatFloat(100*float64(rep.Responders)/float64(rep.Reach), 'f', 1, 64) + "%"
	}
	b := Block{
		Heading: t("campaign_report_heading", "name", name),
		Text:    t("campaign_started", "day", h.when(c.CreatedAt)[:10], "segment", c.Segment),
		Fields: []Field{
			{Label: t("field_reach"), Value: strconv.Itoa(rep.Reach)},
			{Label: t("field_responders"), Value: strconv.Itoa(rep.Responders) + " (" + rate + ")"},
			{Label: t("field_campaign_sales"), Value: strconv.Itoa(rep.Sales)},
			{Label: t("field_campaign_logs"), Value: strconv.Itoa(rep.Logs)},
			{Label: t("field_revenue"), Value: h.amounts(r.lang, rep.Revenue)},
		},
	}
	if rep.Outside > 0 {
		b.Text += "\n" + t("campaign_outside", "count", rep.Outside)
	}
	return Reply{Blocks: []Block{b}}, nil
}
