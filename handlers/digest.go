package handlers

import (
	"bytes"
	"context"
	"fmt"
	"image/color"
	"sort"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/crmbot/crmbot/crm"
)

// digestData is the managers' digest for one day, in no language yet.
type digestData struct {
	Day       string // the day the digest is for (its "yesterday" is the day before)
	Yesterday string
	Customers int64
	Sales     int              // sales recorded yesterday
	Amount    map[string]int64 // their total per currency, never added across
	Reps      []repDay
	Opened    int
	Resolved  int
	Overdue   int // complaints open longer than the threshold
	Top       []*crm.Customer
	AtRisk    []riskLine
	Lost      []*crm.Customer
	LostBy    map[string]int // reason -> count over the last 7 days
}

// repDay is one staff member's yesterday and their overdue follow-ups.
type repDay struct {
	Staff                        crm.Staff
	Calls, Visits, Sales, NewCus int
	Amount                       map[string]int64
	Overdue                      int
}

type riskLine struct {
	Customer *crm.Customer
	Quiet    int // days since the last contact, when 30 or more
	Open     int // open complaints
}

// digest: the managers' digest now, for today.
func (h *Handler) digest(ctx context.Context, r *request) (Reply, error) {
	st, ok := h.store.(crm.SchedulerStore)
	if !ok {
		return Reply{}, fmt.Errorf("digest: the store keeps no scheduler indexes")
	}
	section := ""
	if word, rest, _ := strings.Cut(r.args, " "); strings.EqualFold(word, "more") {
		section = strings.ToLower(strings.TrimSpace(rest))
		if !digestSections[section] {
			return Reply{}, invalid("err_digest_more", "section", clip(section, 20))
		}
	} else if r.args != "" {
		return Reply{}, invalid("err_digest_more", "section", clip(r.args, 20))
	}
	now := h.now()
	data, err := h.digestData(ctx, st, now.Format("2006-01-02"), now, DefaultThresholds)
	if err != nil {
		return Reply{}, err
	}
	if section != "" {
		return h.digestSection(data, r.lang, section), nil
	}
	return h.renderDigest(data, r.lang), nil
}

// digestLines is the most lines a section of the digest shows; the rest
// are a "digest more <section>" away, so the digest fits one screen.
const digestLines = 15

// digestSections are the sections that can run long.
var digestSections = map[string]bool{"staff": true, "overdue": true, "lost": true}

// capSection shows the first digestLines lines of a section and, when there
// are more, a line and a button for the rest.
func (h *Handler) capSection(b Block, lines []string, none, lang, section string) Block {
	if len(lines) > digestLines {
		more := len(lines) - digestLines
		lines = append(lines[:digestLines:digestLines], h.cat.T(lang, "digest_more_line", "count", more, "command", "digest more "+section))
		b.Buttons = append(b.Buttons, Button{Label: h.cat.T(lang, "btn_digest_more", "count", more), Command: "digest more " + section})
	}
	b.Text = orNone(lines, none)
	return b
}

// digestSection is one section of the digest in full.
func (h *Handler) digestSection(d *digestData, lang, section string) Reply {
	lines, heading := h.digestSectionLines(d, lang, section)
	return Reply{Blocks: []Block{{Heading: heading, Text: orNone(lines, h.cat.T(lang, "digest_none"))}}}
}

// digestReply renders the digest of day, computed once per day per process.
func (s *Scheduler) digestReply(ctx context.Context, day, lang string) (Reply, error) {
	s.digestMu.Lock()
	defer s.digestMu.Unlock()
	if s.digestDay != day || s.digestData == nil {
		d, err := s.h.digestData(ctx, s.st, day, s.cfg.Now(), s.cfg.Thresholds)
		if err != nil {
			return Reply{}, err
		}
		s.digestDay, s.digestData = day, d
	}
	return s.h.renderDigest(s.digestData, lang), nil
}

// planDigests plans the day's digest for every manager and admin.
func (s *Scheduler) planDigests(ctx context.Context, day string) (int, error) {
	staff, err := s.h.store.ListStaff(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range staff {
		if !m.Role.AtLeast(crm.RoleManager) {
			continue
		}
		d := &crm.Delivery{ID: "digest:" + string(m.ID) + ":" + day, Kind: crm.DeliveryDigest, Staff: m.ID,
			DueAt: s.cfg.Now(), Automatic: true, Day: day}
		if _, err := s.st.PlanDelivery(ctx, d); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// digestData gathers the digest from index documents (DESIGN §5): the
// day-keyed interactions, sales, new and lost customers, the high tier, and
// one scan of the (small) complaints collection.
func (h *Handler) digestData(ctx context.Context, st crm.SchedulerStore, day string, now time.Time, th Thresholds) (*digestData, error) {
	loc := h.cfg.Location
	today, err := time.ParseInLocation("2006-01-02", day, loc)
	if err != nil {
		return nil, err
	}
	yday := today.AddDate(0, 0, -1)
	in := func(t time.Time) bool { return !t.Before(yday) && t.Before(today) }
	data := &digestData{Day: day, Yesterday: yday.Format("2006-01-02"), Amount: map[string]int64{}, LostBy: map[string]int{}}
	if data.Customers, err = h.store.CountCustomers(ctx); err != nil {
		return nil, err
	}
	staff, err := h.store.ListStaff(ctx)
	if err != nil {
		return nil, err
	}
	reps := map[crm.StaffID]*repDay{}
	for _, s := range staff {
		reps[s.ID] = &repDay{Staff: s, Amount: map[string]int64{}}
	}
	rep := func(id crm.StaffID) *repDay {
		if r := reps[id]; r != nil {
			return r
		}
		r := &repDay{Staff: crm.Staff{ID: id, Name: string(id)}, Amount: map[string]int64{}}
		reps[id] = r
		return r
	}
	for _, ud := range utcDays(yday) {
		its, err := st.InteractionsOn(ctx, ud)
		if err != nil {
			return nil, err
		}
		for _, it := range its {
			if !in(it.At) {
				continue
			}
			switch it.Kind {
			case crm.KindCall:
				rep(it.Staff).Calls++
			case crm.KindVisit, crm.KindMeeting:
				rep(it.Staff).Visits++
			}
		}
		sales, err := st.SalesOn(ctx, ud)
		if err != nil {
			return nil, err
		}
		for _, s := range sales {
			if in(s.At) {
				r := rep(s.Staff)
				r.Sales++
				r.Amount[s.Amount.Currency] += s.Amount.Minor
				data.Sales++
				data.Amount[s.Amount.Currency] += s.Amount.Minor
			}
		}
		cs, err := st.CustomersCreated(ctx, ud)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			if in(c.CreatedAt) {
				rep(c.CreatedBy).NewCus++
			}
		}
	}
	for _, s := range staff {
		rs, err := h.store.OpenReminders(ctx, s.ID)
		if err != nil {
			return nil, err
		}
		for _, rm := range rs {
			if rm.DueAt.Before(now) {
				reps[s.ID].Overdue++
			}
		}
	}
	for _, r := range reps {
		if r.Staff.Active || r.Calls+r.Visits+r.Sales+r.NewCus > 0 {
			data.Reps = append(data.Reps, *r)
		}
	}
	sort.Slice(data.Reps, func(i, j int) bool { return data.Reps[i].Staff.Name < data.Reps[j].Staff.Name })

	complaints, err := st.ComplaintsSince(ctx, yday)
	if err != nil {
		return nil, err
	}
	for _, c := range complaints {
		if in(c.OpenedAt) {
			data.Opened++
		}
		if !c.ResolvedAt.IsZero() && in(c.ResolvedAt) {
			data.Resolved++
		}
		if c.Open() && now.Sub(c.OpenedAt) > th.ComplaintOpen {
			data.Overdue++
		}
	}

	high, err := st.HighValueCustomers(ctx)
	if err != nil {
		return nil, err
	}
	data.Top = h.topByValue(high, 5)
	for _, c := range high {
		quiet := int(now.Sub(lastContact(c)).Hours() / 24)
		if quiet < th.HighValueQuiet {
			quiet = 0
		}
		if quiet > 0 || c.Stats.OpenComplaints > 0 {
			data.AtRisk = append(data.AtRisk, riskLine{Customer: c, Quiet: quiet, Open: c.Stats.OpenComplaints})
		}
	}
	data.AtRisk = data.AtRisk[:min(len(data.AtRisk), 10)]

	weekAgo := today.AddDate(0, 0, -7)
	seen := map[crm.CustomerID]bool{}
	for d := weekAgo.AddDate(0, 0, -1); !d.After(today); d = d.AddDate(0, 0, 1) {
		cs, err := st.CustomersLost(ctx, utcDay(d))
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			if c.Lost == nil || seen[c.ID] || c.Lost.At.Before(weekAgo) || !c.Lost.At.Before(today) {
				continue
			}
			seen[c.ID] = true
			data.Lost = append(data.Lost, c)
			data.LostBy[lostReason(c.Lost)]++
		}
	}
	return data, nil
}

// lostReason is the reason key of a loss, "other" when none was kept.
func lostReason(l *crm.Lost) string {
	if l.Reason == "" {
		return "other"
	}
	return l.Reason
}

// topByValue ranks customers by what they spent in the base currency, the
// only figure that compares across customers, and returns the first n;
// one who spent nothing in it has no place in the ranking.
func (h *Handler) topByValue(cs []*crm.Customer, n int) []*crm.Customer {
	base := h.cfg.Currency
	var top []*crm.Customer
	for _, c := range cs {
		if c.Stats.Spent[base] > 0 {
			top = append(top, c)
		}
	}
	sort.SliceStable(top, func(i, j int) bool {
		a, b := top[i].Stats.Spent[base], top[j].Stats.Spent[base]
		if a != b {
			return a > b
		}
		return top[i].Name < top[j].Name
	})
	return top[:min(len(top), n)]
}

// renderDigest lays the digest out in lang: yesterday per rep as text and
// as a chart (the text is also what a reader without the image gets), then
// the lists. Amounts go through h.amounts: per currency, the base first.
func (h *Handler) renderDigest(d *digestData, lang string) Reply {
	t := func(key string, args ...any) string { return h.cat.T(lang, key, args...) }
	none := t("digest_none")
	repLines, yesterdayHeading := h.digestSectionLines(d, lang, "staff")
	blocks := []Block{{
		Heading: t("digest_heading", "date", d.Day),
		Fields: []Field{
			{Label: t("digest_customers"), Value: strconv.FormatInt(d.Customers, 10)},
			{Label: t("digest_sales_total", "date", d.Yesterday), Value: t("digest_sales_amount", "count", d.Sales, "amount", h.amounts(lang, d.Amount))},
			{Label: t("digest_complaints_label"), Value: t("digest_complaints", "opened", d.Opened, "resolved", d.Resolved, "overdue", d.Overdue)},
		},
	}, h.capSection(Block{Heading: yesterdayHeading}, repLines, none, lang, "staff")}
	// The chart's text is what it draws, not the figures again: they are
	// in the block above, and every platform shows Alt beside the image
	// (a photo caption, a Slack context line), so the lines came twice.
	if png, err := digestChart(d, t); err == nil {
		blocks = append(blocks, Block{Image: &Image{Name: "digest-" + d.Day + ".png", PNG: png,
			Alt: t("digest_chart_caption", "date", d.Yesterday)}})
	}
	overdue, overdueHeading := h.digestSectionLines(d, lang, "overdue")
	blocks = append(blocks, h.capSection(Block{Heading: overdueHeading}, overdue, none, lang, "overdue"))
	var top []string
	for i, c := range d.Top {
		top = append(top, strconv.Itoa(i+1)+". "+c.Name+": "+h.amounts(lang, c.Stats.Spent))
	}
	blocks = append(blocks, Block{Heading: t("digest_top"), Text: orNone(top, none)})
	var risk []string
	var riskButtons []Button
	for _, r := range d.AtRisk {
		var why []string
		if r.Quiet > 0 {
			why = append(why, t("digest_risk_quiet", "n", r.Quiet))
		}
		if r.Open > 0 {
			why = append(why, t("digest_risk_complaints", "n", r.Open))
		}
		risk = append(risk, "• "+r.Customer.Name+": "+strings.Join(why, ", "))
		if len(riskButtons) < 5 {
			riskButtons = append(riskButtons, Button{Label: clip(r.Customer.Name, 30), Command: "show #" + string(r.Customer.ID)})
		}
	}
	blocks = append(blocks, Block{Heading: t("digest_at_risk"), Text: orNone(risk, none), Buttons: riskButtons})
	lost, lostHeading := h.digestSectionLines(d, lang, "lost")
	blocks = append(blocks, h.capSection(Block{Heading: lostHeading}, lost, none, lang, "lost"))
	return Reply{Blocks: blocks}
}

// digestSectionLines are the lines and heading of a section that can run
// long: staff (yesterday per person), overdue (follow-ups per person), lost.
func (h *Handler) digestSectionLines(d *digestData, lang, section string) ([]string, string) {
	t := func(key string, args ...any) string { return h.cat.T(lang, key, args...) }
	var lines []string
	switch section {
	case "staff":
		for _, r := range d.Reps {
			line := "• " + r.Staff.Name + ": " + t("digest_rep_line", "calls", r.Calls, "visits", r.Visits, "sales", r.Sales, "new", r.NewCus)
			if len(r.Amount) > 0 {
				line += " (" + h.amounts(lang, r.Amount) + ")"
			}
			lines = append(lines, line)
		}
		return lines, t("digest_yesterday", "date", d.Yesterday)
	case "overdue":
		for _, r := range d.Reps {
			if r.Overdue > 0 {
				lines = append(lines, "• "+r.Staff.Name+": "+strconv.Itoa(r.Overdue))
			}
		}
		return lines, t("digest_overdue_followups")
	}
	// The count and the reasons come first, so a cut list keeps its totals.
	if len(d.Lost) > 0 {
		lines = append(lines, t("report_lost_total", "count", len(d.Lost)))
	}
	if len(d.LostBy) > 0 {
		var reasons []string
		for _, f := range countFields(d.LostBy) { // most first, as in report lost
			reasons = append(reasons, t("reason_"+f.Label)+" "+f.Value)
		}
		lines = append(lines, t("digest_lost_reasons", "reasons", strings.Join(reasons, ", ")))
	}
	for _, c := range d.Lost {
		line := "• " + c.Name + ": " + t("reason_"+lostReason(c.Lost))
		if c.Lost.Competitor != "" {
			line += " → " + c.Lost.Competitor
		}
		lines = append(lines, line)
	}
	return lines, t("digest_lost")
}

func orNone(lines []string, none string) string {
	if len(lines) == 0 {
		return none
	}
	return strings.Join(lines, "\n")
}

// digestChart draws yesterday per rep as grouped bars with gonum/plot. Its
// fonts are Latin only, so a name in another script is shown by number and
// the text fallback, which lists the same figures, names it.
func digestChart(d *digestData, t func(string, ...any) string) ([]byte, error) {
	p := plot.New()
	p.Title.Text = t("digest_yesterday", "date", d.Yesterday)
	if !latin(p.Title.Text) {
		p.Title.Text = d.Yesterday
	}
	series := []struct {
		key   string
		get   func(r repDay) int
		color color.RGBA
	}{
		{"digest_calls", func(r repDay) int { return r.Calls }, color.RGBA{R: 66, G: 133, B: 244, A: 255}},
		{"digest_visits", func(r repDay) int { return r.Visits }, color.RGBA{R: 52, G: 168, B: 83, A: 255}},
		{"digest_sales", func(r repDay) int { return r.Sales }, color.RGBA{R: 251, G: 188, B: 5, A: 255}},
		{"digest_new", func(r repDay) int { return r.NewCus }, color.RGBA{R: 234, G: 67, B: 53, A: 255}},
	}
	names := make([]string, len(d.Reps))
	for i, r := range d.Reps {
		names[i] = clip(r.Staff.Name, 14)
		if !latin(names[i]) {
			names[i] = "#" + strconv.Itoa(i+1)
		}
	}
	if len(names) == 0 {
		names = []string{"-"}
	}
	w := vg.Points(10)
	for i, s := range series {
		vals := make(plotter.Values, len(names))
		for j, r := range d.Reps {
			vals[j] = float64(s.get(r))
		}
		bars, err := plotter.NewBarChart(vals, w)
		if err != nil {
			return nil, err
		}
		bars.LineStyle.Width = 0
		bars.Color = s.color
		bars.Offset = w * vg.Length(float64(i)-1.5)
		p.Add(bars)
		label := t(s.key)
		if !latin(label) {
			label = strings.TrimPrefix(s.key, "digest_")
		}
		p.Legend.Add(label, bars)
	}
	p.Legend.Top = true
	p.NominalX(names...)
	p.Y.Min = 0
	wt, err := p.WriterTo(8*vg.Inch, 4*vg.Inch, "png")
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := wt.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// latin reports whether the chart's Latin fonts can draw s.
func latin(s string) bool {
	for _, r := range s {
		if r > 0x24F {
			return false
		}
	}
	return true
}
