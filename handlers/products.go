package handlers

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/crmbot/crmbot/crm"
)

// Products that draw complaints: `report products [Nd]` here, the managers'
// alert in products_alert.go. Both read the store's per-day product index
// (crm.ProductStore), one document per day, never the complaints.

const (
	productsShown    = 10 // products listed by the report
	productLatest    = 3  // complaint numbers listed per product
	productsLatestUp = 5  // newest filings the report spells out
	// productSalesMax caps the sales the report reads for return rates
	// (about 0.3 ms each on the embedded store: 1.5 s at the cap).
	productSalesMax = 5000
)

// productSummary is what is known of one product over a period.
type productSummary struct {
	Key                          string // crm.ProductKey
	Name                         string // the most common spelling
	Complaints, Returns, Support int
	Open, Resolved               int
	Latest                       []crm.ComplaintNo // newest first, at most productLatest
	LastAt                       time.Time
	// Sold is the units sold in the period under the same product name,
	// when the report counted them (SoldKnown).
	Sold      int
	SoldKnown bool
}

// Total counts every filing about the product.
func (p productSummary) Total() int { return p.Complaints + p.Returns + p.Support }

// summarizeProducts groups filings by product, spellings that differ only
// in case and spacing together, most filings first (then the most recent,
// then by name).
func summarizeProducts(entries []crm.ProductComplaint) []productSummary {
	by := map[string]*productSummary{}
	spellings := map[string]map[string]int{}
	for _, e := range entries {
		k := crm.ProductKey(e.Product)
		if k == "" {
			continue
		}
		p := by[k]
		if p == nil {
			p = &productSummary{Key: k}
			by[k] = p
			spellings[k] = map[string]int{}
		}
		spellings[k][strings.Join(strings.Fields(e.Product), " ")]++
		switch e.Kind {
		case crm.ComplaintKindReturn:
			p.Returns++
		case crm.ComplaintKindSupport:
			p.Support++
		default:
			p.Complaints++
		}
		if e.Resolved {
			p.Resolved++
		} else {
			p.Open++
		}
		if e.OpenedAt.After(p.LastAt) {
			p.LastAt = e.OpenedAt
		}
		p.Latest = append(p.Latest, e.No)
	}
	out := make([]productSummary, 0, len(by))
	for k, p := range by {
		p.Name = commonest(spellings[k])
		// Entries come oldest first: the newest numbers are at the end.
		latest := make([]crm.ComplaintNo, 0, productLatest)
		for i := len(p.Latest) - 1; i >= 0 && len(latest) < productLatest; i-- {
			latest = append(latest, p.Latest[i])
		}
		p.Latest = latest
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Total() != b.Total() {
			return a.Total() > b.Total()
		}
		if !a.LastAt.Equal(b.LastAt) {
			return a.LastAt.After(b.LastAt)
		}
		return a.Key < b.Key
	})
	return out
}

// unitsSold counts the units sold from since to until by crm.ProductKey,
// reading the sales of each day through the sa:<day> index. It gives up
// (false) past productSalesMax sales: a business that sells that much in
// the period gets the report without return rates rather than a slow one.
func (h *Handler) unitsSold(ctx context.Context, since, until time.Time) (map[string]int, bool, error) {
	st, ok := h.store.(crm.SchedulerStore)
	if !ok {
		return nil, false, nil
	}
	sold, read := map[string]int{}, 0
	for d := since.UTC().Truncate(24 * time.Hour); !d.After(until); d = d.Add(24 * time.Hour) {
		sales, err := st.SalesOn(ctx, d.Format("2006-01-02"))
		if err != nil {
			return nil, false, err
		}
		if read += len(sales); read > productSalesMax {
			return nil, false, nil
		}
		for _, s := range sales {
			if s.At.Before(since) || s.At.After(until) {
				continue
			}
			sold[crm.ProductKey(s.Product)] += max(1, s.Quantity)
		}
	}
	return sold, true, nil
}

// commonest picks the spelling typed most often; on a tie, one in mixed
// case ("Water Pump") over one in capitals or small letters alone, then the
// first in order, so the name shown does not depend on map order.
func commonest(m map[string]int) string {
	best, n := "", 0
	for s, c := range m {
		switch {
		case c != n:
			if c < n {
				continue
			}
		case mixedCase(s) != mixedCase(best):
			if !mixedCase(s) {
				continue
			}
		case s > best:
			continue
		}
		best, n = s, c
	}
	return best
}

// mixedCase reports whether s has both capital and small letters.
func mixedCase(s string) bool { return strings.ToUpper(s) != s && strings.ToLower(s) != s }

// numbers renders complaint numbers as "#18, #15, #12".
func numbers(nos []crm.ComplaintNo) string {
	parts := make([]string, len(nos))
	for i, n := range nos {
		parts[i] = "#" + strconv.FormatInt(int64(n), 10)
	}
	return strings.Join(parts, ", ")
}

// productFields are a product's counts as a card shows them.
func (h *Handler) productFields(lang string, p productSummary) []Field {
	t := func(key string) string { return h.cat.T(lang, key) }
	fields := []Field{
		{Label: t("product_complaints"), Value: strconv.Itoa(p.Complaints)},
		{Label: t("product_returns"), Value: strconv.Itoa(p.Returns)},
		{Label: t("product_support"), Value: strconv.Itoa(p.Support)},
		{Label: t("product_open"), Value: strconv.Itoa(p.Open)},
		{Label: t("product_resolved"), Value: strconv.Itoa(p.Resolved)},
		{Label: t("product_latest"), Value: numbers(p.Latest)},
	}
	if p.SoldKnown && p.Sold > 0 {
		fields = append(fields, Field{Label: t("product_sold"), Value: strconv.Itoa(p.Sold)},
			Field{Label: t("product_return_rate"), Value: strconv.FormatFloat(100*float64(p.Returns)/float64(p.Sold), 'f', 1, 64) + "%"})
	}
	return fields
}

// reportProducts lists the products named by complaints, returns and
// support calls in the last days, most named first, reading one index
// document per day, with units sold and the return rate when the period's
// sales are few enough to read (unitsSold).
func (h *Handler) reportProducts(ctx context.Context, r *request, days int) (Reply, error) {
	ps, ok := h.store.(crm.ProductStore)
	if !ok {
		return Reply{}, crm.Errorf(crm.EINTERNAL, "err_internal")
	}
	t := func(key string, args ...any) string { return h.cat.T(r.lang, key, args...) }
	now := h.cfg.Now()
	since := now.Add(-time.Duration(days) * 24 * time.Hour)
	all, err := ps.ProductComplaints(ctx, since, now)
	if err != nil {
		return Reply{}, err
	}
	var entries []crm.ProductComplaint
	for _, e := range all {
		if !e.OpenedAt.Before(since) && !e.OpenedAt.After(now) {
			entries = append(entries, e)
		}
	}
	head := Block{Heading: t("report_products_heading", "days", days)}
	sums := summarizeProducts(entries)
	if len(sums) == 0 {
		head.Text = t("report_products_none", "days", days)
		return Reply{Blocks: []Block{head}}, nil
	}
	head.Text = t("report_products_total", "count", len(entries)) + " " + t("report_products_distinct", "count", len(sums))
	if sold, ok, err := h.unitsSold(ctx, since, now); err != nil {
		return Reply{}, err
	} else if ok {
		for i := range sums {
			sums[i].Sold, sums[i].SoldKnown = sold[sums[i].Key], true
		}
	} else {
		head.Text += " " + t("report_products_no_rate", "max", productSalesMax)
	}
	blocks := []Block{head}
	for i, p := range sums[:min(len(sums), productsShown)] {
		blocks = append(blocks, Block{Heading: strconv.Itoa(i+1) + ". " + p.Name + " — " + strconv.Itoa(p.Total()),
			Fields: h.productFields(r.lang, p)})
	}
	if more := len(sums) - productsShown; more > 0 {
		blocks = append(blocks, Block{Text: t("report_products_more", "count", more)})
	}
	latest, err := h.latestFilings(ctx, r.lang, entries)
	if err != nil {
		return Reply{}, err
	}
	return Reply{Blocks: append(blocks, latest)}, nil
}

// latestFilings spells out the newest filings, each read by its number,
// with a button to its customer.
func (h *Handler) latestFilings(ctx context.Context, lang string, entries []crm.ProductComplaint) (Block, error) {
	t := func(key string, args ...any) string { return h.cat.T(lang, key, args...) }
	b := Block{Heading: t("report_products_latest")}
	var lines []string
	for i := len(entries) - 1; i >= 0 && len(lines) < productsLatestUp; i-- {
		e := entries[i]
		no := strconv.FormatInt(int64(e.No), 10)
		line := "• #" + no + " " + h.when(e.OpenedAt)[:10] + " " + t("product_kind_"+string(e.Kind)) + " · " + e.Product
		c, err := h.store.Complaint(ctx, e.No)
		switch crm.ErrorCode(err) {
		case "":
			line += ": " + clip(c.Text, 120)
			b.Buttons = append(b.Buttons, Button{Label: t("btn_complaint_customer", "no", no), Command: "show #" + string(c.CustomerID)})
		case crm.ENOTFOUND:
		default:
			return Block{}, err
		}
		lines = append(lines, line)
	}
	b.Text = strings.Join(lines, "\n")
	return b, nil
}
