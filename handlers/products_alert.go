package handlers

import (
	"context"
	"sort"
	"strconv"
	"time"

	"github.com/crmbot/crmbot/crm"
)

// The managers' alert about a product: when a filing makes a product's
// complaints and returns of the last 30 days reach Thresholds.ProductComplaints,
// every manager and admin is told once per product per 30 days.
//
// It is planned by the scheduler's tick, not sent from the filing path. The
// filing only writes data: FileComplaint indexes the complaint under its day
// and then lists its number for the check (crm.ProductStore). Each tick reads
// that list, plans one delivery per manager under a deterministic id
// ("product:<product key>:<day crossed>:<staff>"), records the alert day,
// and only then takes the numbers off the list. A process killed anywhere in
// between leaves the numbers listed, and the next tick of any replica does
// the same again: the plans are inserts of the same ids (no-ops) and the
// alert day is a set. From there the alert travels like a nudge (claim,
// fence, send, mark; docs/scheduler.md), so it waits out quiet hours, is
// retried when a platform refuses it, and two replicas send it once.
// Sending from the filing path would lose the alert to a crash between the
// filing and the send, and would send it outside the claims that keep it
// single.

// productWindow is the period the threshold counts over and the least time
// between two alerts about one product.
const productWindow = 30 * 24 * time.Hour

// indexProducts puts complaints filed before the product index into it,
// once per database.
func (s *Scheduler) indexProducts(ctx context.Context) {
	ps, ok := s.st.(crm.ProductStore)
	if !ok {
		return
	}
	if n, err := ps.IndexProductComplaints(ctx); err != nil {
		s.log.Warn("index complaints by product", "err", err)
	} else if n > 0 {
		s.log.Info("indexed complaints by product", "complaints", n)
	}
}

// planProductAlerts checks the products of the complaints and returns filed
// since the last check and plans the alerts whose threshold was reached.
// A tick with nothing filed costs one read.
func (s *Scheduler) planProductAlerts(ctx context.Context, now time.Time) error {
	ps, ok := s.st.(crm.ProductStore)
	if !ok {
		return nil
	}
	nos, err := ps.ProductComplaintsToCheck(ctx)
	if err != nil || len(nos) == 0 {
		return err
	}
	// The earliest listed filing of each product; a filing older than the
	// window (a replica down for a month) cannot raise an alert any more.
	from := map[string]time.Time{}
	earliest := now
	for _, no := range nos {
		c, err := s.h.store.Complaint(ctx, no)
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			continue
		}
		if err != nil {
			return err
		}
		k := crm.ProductKey(c.Product)
		if k == "" || c.Kind == crm.ComplaintKindSupport || !c.OpenedAt.After(now.Add(-productWindow)) {
			continue
		}
		if t, ok := from[k]; !ok || c.OpenedAt.Before(t) {
			from[k] = c.OpenedAt
		}
		if c.OpenedAt.Before(earliest) {
			earliest = c.OpenedAt
		}
	}
	if len(from) > 0 {
		entries, err := ps.ProductComplaints(ctx, earliest.Add(-productWindow), now)
		if err != nil {
			return err
		}
		byKey := map[string][]crm.ProductComplaint{}
		for _, e := range entries {
			if e.Kind != crm.ComplaintKindSupport {
				k := crm.ProductKey(e.Product)
				byKey[k] = append(byKey[k], e)
			}
		}
		keys := make([]string, 0, len(from))
		for k := range from {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var managers []crm.StaffID
		for _, k := range keys {
			alerts, err := ps.ProductAlerts(ctx, k)
			if err != nil {
				return err
			}
			day, n := s.productCrossing(byKey[k], from[k], alerts)
			if day == "" {
				continue
			}
			if managers == nil {
				if managers, err = s.managers(ctx); err != nil {
					return err
				}
			}
			for _, m := range managers {
				d := &crm.Delivery{ID: "product:" + k + ":" + day + ":" + string(m), Kind: crm.DeliveryProduct, Staff: m,
					DueAt: now, Automatic: true, Day: day, Reminder: k}
				if _, err := s.st.PlanDelivery(ctx, d); err != nil {
					return err
				}
			}
			if err := ps.RecordProductAlert(ctx, k, day); err != nil {
				return err
			}
			s.log.Info("product alert planned", "day", day, "filings", n, "managers", len(managers))
		}
	}
	return ps.ProductComplaintsChecked(ctx, nos)
}

// productCrossing finds the first filing at or after from whose 30 days
// (itself and the filings before it) hold at least the threshold, on a
// local day 30 days or more from every earlier alert. It returns that day
// and the count, or "" when no filing qualifies. evs are the product's
// complaints and returns, oldest first; the answer depends on them alone,
// so every replica finds the same day.
func (s *Scheduler) productCrossing(evs []crm.ProductComplaint, from time.Time, alerts []string) (string, int) {
	for i, e := range evs {
		if e.OpenedAt.Before(from) {
			continue
		}
		n := 0
		for j := 0; j <= i; j++ {
			if evs[j].OpenedAt.After(e.OpenedAt.Add(-productWindow)) {
				n++
			}
		}
		if n < s.cfg.Thresholds.ProductComplaints {
			continue
		}
		day := e.OpenedAt.In(s.h.cfg.Location).Format("2006-01-02")
		if !alertedNear(day, alerts) {
			return day, n
		}
	}
	return "", 0
}

// alertedNear reports whether an alert was raised less than 30 days before
// or after day.
func alertedNear(day string, alerts []string) bool {
	d, err := time.Parse("2006-01-02", day)
	if err != nil {
		return false
	}
	for _, a := range alerts {
		t, err := time.Parse("2006-01-02", a)
		if err != nil {
			continue
		}
		if gap := d.Sub(t); gap < productWindow && gap > -productWindow {
			return true
		}
	}
	return false
}

// managers lists the active managers and admins, by id.
func (s *Scheduler) managers(ctx context.Context) ([]crm.StaffID, error) {
	all, err := s.h.store.ListStaff(ctx)
	if err != nil {
		return nil, err
	}
	out := []crm.StaffID{}
	for _, m := range all {
		if m.Active && m.Role.AtLeast(crm.RoleManager) {
			out = append(out, m.ID)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, nil
}

// productAlertReply renders the alert with the counts as they are at
// sending: the product, complaints, returns and support calls of the last
// 30 days, the latest numbers, and buttons to the report and to the latest
// filing's customer. An alert to someone who is no longer a manager is
// cancelled rather than forwarded: the other managers have their own.
func (s *Scheduler) productAlertReply(ctx context.Context, d crm.Delivery, lang string) (Reply, string, error) {
	t := func(key string, args ...any) string { return s.h.cat.T(lang, key, args...) }
	m, err := s.h.store.Staff(ctx, d.Staff)
	if crm.ErrorCode(err) == crm.ENOTFOUND || err == nil && (!m.Active || !m.Role.AtLeast(crm.RoleManager)) {
		return Reply{}, "the manager left or is no longer a manager", nil
	}
	if err != nil {
		return Reply{}, "", err
	}
	ps, ok := s.st.(crm.ProductStore)
	if !ok {
		return Reply{}, "the store keeps no product index", nil
	}
	now := s.cfg.Now()
	all, err := ps.ProductComplaints(ctx, now.Add(-productWindow), now)
	if err != nil {
		return Reply{}, "", err
	}
	var entries []crm.ProductComplaint
	for _, e := range all {
		if crm.ProductKey(e.Product) == d.Reminder && e.OpenedAt.After(now.Add(-productWindow)) {
			entries = append(entries, e)
		}
	}
	sums := summarizeProducts(entries)
	if len(sums) == 0 || sums[0].Complaints+sums[0].Returns == 0 {
		return Reply{}, "no complaint about the product is left in the last 30 days", nil
	}
	p := sums[0]
	b := Block{Heading: t("product_alert_heading", "product", p.Name),
		Text: t("product_alert_text", "count", p.Complaints+p.Returns, "product", p.Name,
			"threshold", s.cfg.Thresholds.ProductComplaints),
		Fields:  s.h.productFields(lang, p),
		Buttons: []Button{{Label: t("btn_products_report"), Command: "report products"}}}
	last := p.Latest[0]
	c, err := s.h.store.Complaint(ctx, last)
	switch crm.ErrorCode(err) {
	case "":
		no := strconv.FormatInt(int64(last), 10)
		b.Buttons = append(b.Buttons, Button{Label: t("btn_complaint_customer", "no", no), Command: "show #" + string(c.CustomerID)})
	case crm.ENOTFOUND:
	default:
		return Reply{}, "", err
	}
	return Reply{Blocks: []Block{b}}, "", nil
}
