package handlers

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/crmbot/crmbot/crm"
)

// report: report lost · report lost 30d · report products · report products 90d
func (h *Handler) report(ctx context.Context, r *request) (Reply, error) {
	kind, rest, _ := strings.Cut(strings.TrimSpace(r.args), " ")
	switch strings.ToLower(kind) {
	case "lost":
		days, err := reportDays(rest, 90)
		if err != nil {
			return Reply{}, err
		}
		return h.reportLost(ctx, r, days)
	case "products", "product":
		days, err := reportDays(rest, 30)
		if err != nil {
			return Reply{}, err
		}
		return h.reportProducts(ctx, r, days) // handlers/products.go
	}
	return Reply{}, invalid("err_report_kind")
}

// reportDays reads a report's period, "30d" or "30", or def when none is given.
func reportDays(s string, def int) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(strings.TrimSuffix(strings.ToLower(s), "d"))
	if err != nil || n < 1 || n > 3650 {
		return 0, invalid("err_report_days")
	}
	return n, nil
}

// reportLost counts the customers lost in the last days by reason and by
// competitor, reading the lost:<day> index one day at a time.
func (h *Handler) reportLost(ctx context.Context, r *request, days int) (Reply, error) {
	st, ok := h.store.(crm.SchedulerStore)
	if !ok {
		return Reply{}, crm.Errorf(crm.EINTERNAL, "err_internal")
	}
	t := func(key string, args ...any) string { return h.cat.T(r.lang, key, args...) }
	now := h.cfg.Now()
	since := now.Add(-time.Duration(days) * 24 * time.Hour)
	var lost []*crm.Customer
	seen := map[crm.CustomerID]bool{}
	for d := 0; d <= days; d++ {
		cs, err := st.CustomersLost(ctx, now.AddDate(0, 0, -d).UTC().Format("2006-01-02"))
		if err != nil {
			return Reply{}, err
		}
		for _, c := range cs {
			if c.Lost == nil || seen[c.ID] || c.Lost.At.Before(since) {
				continue // taken back since, or listed under an older day
			}
			seen[c.ID] = true
			lost = append(lost, c)
		}
	}
	head := Block{Heading: t("report_lost_heading", "days", days)}
	if len(lost) == 0 {
		head.Text = t("report_lost_none", "days", days)
		return Reply{Blocks: []Block{head}}, nil
	}
	head.Text = t("report_lost_total", "count", len(lost))
	reasons, competitors := map[string]int{}, map[string]int{}
	for _, c := range lost {
		reasons[t("reason_"+c.Lost.Reason)]++
		comp := strings.TrimSpace(c.Lost.Competitor)
		if comp == "" {
			comp = t("report_competitor_unnamed")
		}
		competitors[comp]++
	}
	blocks := []Block{head,
		{Heading: t("report_by_reason"), Fields: countFields(reasons)},
		{Heading: t("report_by_competitor"), Fields: countFields(competitors)}}
	sort.Slice(lost, func(i, j int) bool { return lost[i].Lost.At.After(lost[j].Lost.At) })
	var lines []string
	for _, c := range lost[:min(len(lost), 10)] {
		line := "• " + h.when(c.Lost.At)[:10] + " " + c.Name + ": " + t("reason_"+c.Lost.Reason)
		if c.Lost.Competitor != "" {
			line += " → " + c.Lost.Competitor
		}
		lines = append(lines, line)
	}
	blocks = append(blocks, Block{Heading: t("report_lost_latest"), Text: strings.Join(lines, "\n")})
	return Reply{Blocks: blocks}, nil
}

// countFields lists counts largest first, ties by name.
func countFields(m map[string]int) []Field {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	out := make([]Field, 0, len(keys))
	for _, k := range keys {
		out = append(out, Field{Label: k, Value: strconv.Itoa(m[k])})
	}
	return out
}
