package handlers

import (
	"context"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/crmbot/crmbot/crm"
)

// Care item reasons, and the group each is sent in: one care message per
// owner, day and group.
const (
	reasonBirthday         = "birthday"
	reasonAnniversary      = "anniversary"
	reasonFamilyBirthday   = "family_birthday"
	reasonFamilyAnniv      = "family_anniversary"
	reasonQuietHigh        = "quiet_high"
	reasonQuiet            = "quiet"
	reasonCreditDue        = "credit_due"
	reasonCreditOverdue    = "credit_overdue"
	reasonComplaint        = "complaint"
	reasonReorder          = "reorder"
	groupDates, groupTouch = "dates", "contact"
	groupCredit            = "credit"
	groupComplaint         = "complaints"
	groupReorder           = "reorder"
)

var reasonGroup = map[string]string{
	reasonBirthday: groupDates, reasonAnniversary: groupDates, reasonFamilyBirthday: groupDates, reasonFamilyAnniv: groupDates,
	reasonQuietHigh: groupTouch, reasonQuiet: groupTouch,
	reasonCreditDue: groupCredit, reasonCreditOverdue: groupCredit,
	reasonComplaint: groupComplaint, reasonReorder: groupReorder,
}

// careList collects items per staff member and group.
type careList map[crm.StaffID]map[string][]crm.CareItem

func (l careList) add(to crm.StaffID, it crm.CareItem) {
	g := reasonGroup[it.Reason]
	if l[to] == nil {
		l[to] = map[string][]crm.CareItem{}
	}
	for _, x := range l[to][g] {
		if x.Customer == it.Customer && x.Reason == it.Reason && x.On == it.On && x.Who == it.Who {
			return // the same thing once a day
		}
	}
	l[to][g] = append(l[to][g], it)
}

// ownerOf is who looks after a customer: its owner, else who added it;
// "" sends the item to a manager.
func ownerOf(c *crm.Customer) crm.StaffID {
	if c.Owner != "" {
		return c.Owner
	}
	return c.CreatedBy
}

// lastContact is when a customer was last contacted, or created if never,
// as the store's lc: index counts it.
func lastContact(c *crm.Customer) time.Time {
	if c.Stats.LastContactAt.IsZero() {
		return c.CreatedAt
	}
	return c.Stats.LastContactAt
}

func utcDay(t time.Time) string { return t.UTC().Format("2006-01-02") }

// utcDays are the UTC days a local calendar day overlaps.
func utcDays(localDay time.Time) []string {
	a, b := utcDay(localDay), utcDay(localDay.AddDate(0, 0, 1).Add(-time.Nanosecond))
	if a == b {
		return []string{a}
	}
	return []string{a, b}
}

// computeCare gathers the day's care items from the store's index
// documents: everything is read by _id, so it costs milliseconds per
// matching customer, not a scan of all of them.
func (s *Scheduler) computeCare(ctx context.Context, day string) (careList, error) {
	loc := s.h.cfg.Location
	d, err := time.ParseInLocation("2006-01-02", day, loc)
	if err != nil {
		return nil, err
	}
	now := s.cfg.Now()
	th := s.cfg.Thresholds
	list := careList{}

	// Birthdays and anniversaries, today and DaysAhead days ahead.
	for _, k := range []int{0, th.DaysAhead} {
		date := d.AddDate(0, 0, k)
		mds := []string{date.Format("01-02")}
		if date.Month() == time.February && date.Day() == 28 && !isLeap(date.Year()) {
			mds = append(mds, "02-29") // celebrated on the 28th in other years
		}
		for _, md := range mds {
			cs, err := s.st.CustomersWithDate(ctx, md)
			if err != nil {
				return nil, err
			}
			for _, c := range cs {
				if c.Lost != nil {
					continue
				}
				for _, it := range dateItems(c, md, date.Format("2006-01-02"), k) {
					list.add(ownerOf(c), it)
				}
			}
		}
		if th.DaysAhead == 0 {
			break
		}
	}

	// Not contacted: high value after HighValueQuiet days, anyone after
	// AnyQuiet days and every AnyQuiet days after that.
	quietDays := []int{th.HighValueQuiet}
	for k := th.AnyQuiet; k > 0 && k <= th.QuietRepeatsUntil; k += th.AnyQuiet {
		quietDays = append(quietDays, k)
	}
	for i, k := range quietDays {
		bucket := utcDay(now.AddDate(0, 0, -k))
		cs, err := s.st.CustomersLastContacted(ctx, bucket)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			if c.Lost != nil || utcDay(lastContact(c)) != bucket {
				continue // lost, or contacted since the index entry was written
			}
			high := c.Stats.Tier == crm.TierHigh
			switch {
			case i == 0 && high:
				list.add(ownerOf(c), crm.CareItem{Customer: c.ID, Reason: reasonQuietHigh, On: bucket, Days: k})
			case i > 0 && !(high && k == th.HighValueQuiet):
				list.add(ownerOf(c), crm.CareItem{Customer: c.ID, Reason: reasonQuiet, On: bucket, Days: k})
			}
		}
	}

	// Credit: due in CreditAhead days, and overdue on the listed days.
	creditDays := map[int]string{th.CreditAhead: reasonCreditDue}
	for _, k := range th.CreditOverdue {
		creditDays[-k] = reasonCreditOverdue
	}
	for k, reason := range creditDays {
		date := d.AddDate(0, 0, k)
		for _, ud := range utcDays(date) {
			sales, err := s.st.CreditSalesDue(ctx, ud)
			if err != nil {
				return nil, err
			}
			for _, sale := range sales {
				if sale.Credit == nil || !sameDay(sale.Credit.DueAt.In(loc), date) || paid(sale) {
					continue
				}
				c, err := s.h.store.Customer(ctx, sale.CustomerID)
				if crm.ErrorCode(err) == crm.ENOTFOUND {
					continue
				}
				if err != nil {
					return nil, err
				}
				if c.Stats.CreditDue <= 0 {
					continue
				}
				to := ownerOf(c)
				if to == "" {
					to = sale.Staff
				}
				list.add(to, crm.CareItem{Customer: c.ID, Reason: reason, On: date.Format("2006-01-02"), Who: sale.ID,
					Days: abs(k), Amount: sale.Amount.Minor - paidSum(sale), Currency: sale.Amount.Currency})
			}
		}
	}

	// Complaints open longer than ComplaintOpen: to their owner and to
	// every manager, every day until resolved.
	complaints, err := s.st.ComplaintsSince(ctx, now)
	if err != nil {
		return nil, err
	}
	var managers []crm.StaffID
	if len(complaints) > 0 {
		all, err := s.h.store.ListStaff(ctx)
		if err != nil {
			return nil, err
		}
		for _, m := range all {
			if m.Role.AtLeast(crm.RoleManager) {
				managers = append(managers, m.ID)
			}
		}
	}
	for _, c := range complaints {
		if !c.Open() || now.Sub(c.OpenedAt) < th.ComplaintOpen {
			continue
		}
		it := crm.CareItem{Customer: c.CustomerID, Reason: reasonComplaint, On: c.OpenedAt.In(loc).Format("2006-01-02"),
			Who: strconv.FormatInt(int64(c.No), 10), Days: int(now.Sub(c.OpenedAt).Hours() / 24)}
		owner := c.Owner
		if owner == "" {
			owner = c.OpenedBy
		}
		list.add(owner, it)
		for _, m := range managers {
			list.add(m, it)
		}
	}

	// Repeat buyers past their usual interval by ReorderGrace days.
	bucket := utcDay(now.AddDate(0, 0, -th.ReorderGrace))
	cs, err := s.st.CustomersReorderDue(ctx, bucket)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		st := c.Stats
		if c.Lost != nil || st.Orders < 2 || st.FirstOrderAt.IsZero() {
			continue
		}
		gap := st.LastOrderAt.Sub(st.FirstOrderAt) / time.Duration(st.Orders-1)
		if utcDay(st.LastOrderAt.Add(gap)) != bucket {
			continue // ordered since
		}
		list.add(ownerOf(c), crm.CareItem{Customer: c.ID, Reason: reasonReorder, On: utcDay(st.LastOrderAt),
			Days: int(now.Sub(st.LastOrderAt).Hours() / 24)})
	}
	return list, nil
}

// planCare computes the day's items and plans one delivery per owner and
// group; planning again (after a crash) adds nothing twice.
func (s *Scheduler) planCare(ctx context.Context, day string) (int, error) {
	// Tiers first: the care lists read the high-value index.
	if n, err := s.recomputeTiers(ctx, s.cfg.Now()); err != nil {
		return 0, err
	} else if n > 0 {
		s.h.log.Info("daily run moved customers to their tier of today", "customers", n)
	}
	list, err := s.computeCare(ctx, day)
	if err != nil {
		return 0, err
	}
	n := 0
	for to, groups := range list {
		for g, items := range groups {
			sort.SliceStable(items, func(i, j int) bool { return items[i].Reason < items[j].Reason })
			d := &crm.Delivery{ID: "care:" + string(to) + ":" + day + ":" + g, Kind: crm.DeliveryCare, Staff: to,
				DueAt: s.cfg.Now(), Automatic: true, Day: day, Items: items}
			if _, err := s.st.PlanDelivery(ctx, d); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// dateItems are a customer's dates on monthDay: their own and their family's.
func dateItems(c *crm.Customer, md, on string, days int) []crm.CareItem {
	var out []crm.CareItem
	add := func(d crm.Date, reason, who string) {
		if dm := d.MonthDay(); dm != "" && dm == md {
			out = append(out, crm.CareItem{Customer: c.ID, Reason: reason, On: on, Who: who, Days: days})
		}
	}
	add(c.Birthday, reasonBirthday, "")
	add(c.Anniversary, reasonAnniversary, "")
	for _, f := range c.Family {
		add(f.Birthday, reasonFamilyBirthday, f.Name)
		add(f.Anniversary, reasonFamilyAnniv, f.Name)
	}
	return out
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func paidSum(s crm.Sale) int64 {
	var n int64
	if s.Credit != nil {
		for _, p := range s.Credit.Payments {
			n += p.Amount
		}
	}
	return n
}

func paid(s crm.Sale) bool { return paidSum(s) >= s.Amount.Minor }

// stillDue checks an item against the customer as it is now, so a list
// planned in the morning and held, or a stale index entry, says nothing
// that stopped being true.
func stillDue(it crm.CareItem, c *crm.Customer, loc *time.Location) bool {
	switch it.Reason {
	case reasonBirthday, reasonAnniversary, reasonFamilyBirthday, reasonFamilyAnniv:
		on, err := time.Parse("2006-01-02", it.On)
		if err != nil {
			return false
		}
		md := on.Format("01-02")
		for _, x := range dateItems(c, md, it.On, it.Days) {
			if x.Reason == it.Reason && x.Who == it.Who {
				return true
			}
		}
		// 29 February, celebrated on the 28th.
		if md == "02-28" {
			for _, x := range dateItems(c, "02-29", it.On, it.Days) {
				if x.Reason == it.Reason && x.Who == it.Who {
					return true
				}
			}
		}
		return false
	case reasonQuiet, reasonQuietHigh:
		return utcDay(lastContact(c)) <= it.On
	case reasonCreditDue, reasonCreditOverdue:
		return c.Stats.CreditDue > 0
	case reasonComplaint:
		for _, o := range c.Open {
			if strconv.FormatInt(int64(o.No), 10) == it.Who {
				return true
			}
		}
		return false
	case reasonReorder:
		return utcDay(c.Stats.LastOrderAt) == it.On
	}
	return true
}

// careReply renders a care list in the reader's language, with a ready
// message to each customer in the customer's language.
func (s *Scheduler) careReply(ctx context.Context, d crm.Delivery, lang string) (Reply, string, error) {
	t := func(key string, args ...any) string { return s.h.cat.T(lang, key, args...) }
	var blocks []Block
	shown, left := 0, 0
	for _, it := range d.Items {
		c, err := s.h.store.Customer(ctx, it.Customer)
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			continue // deleted meanwhile
		}
		if err != nil {
			return Reply{}, "", err
		}
		if !stillDue(it, c, s.h.cfg.Location) {
			continue
		}
		if shown >= s.cfg.Thresholds.MaxItemsPerList {
			left++
			continue
		}
		shown++
		blocks = append(blocks, s.careBlock(it, c, lang))
	}
	if shown == 0 {
		return Reply{}, "nothing on the list is still due", nil
	}
	head := Block{Heading: t("care_heading_" + careGroupOf(d)), Text: t("care_intro", "n", shown+left, "date", d.Day)}
	blocks = append([]Block{head}, blocks...)
	if left > 0 {
		blocks = append(blocks, Block{Text: t("care_more", "n", left)})
	}
	return Reply{Blocks: blocks}, "", nil
}

func careGroupOf(d crm.Delivery) string {
	if len(d.Items) > 0 {
		return reasonGroup[d.Items[0].Reason]
	}
	return groupDates
}

// careBlock is one customer on a care list: why, the ready message and
// one-tap links to send it.
func (s *Scheduler) careBlock(it crm.CareItem, c *crm.Customer, lang string) Block {
	t := func(key string, args ...any) string { return s.h.cat.T(lang, key, args...) }
	amount := ""
	if it.Currency != "" {
		amount = s.h.money(crm.Money{Minor: it.Amount, Currency: it.Currency})
	}
	key := "care_" + it.Reason
	if it.Days > 0 && (it.Reason == reasonBirthday || it.Reason == reasonAnniversary || it.Reason == reasonFamilyBirthday || it.Reason == reasonFamilyAnniv) {
		key += "_soon"
	}
	why := t(key, "n", it.Days, "date", it.On, "who", it.Who, "amount", amount, "no", it.Who)
	clang := Lang(c.Language)
	if clang == "" {
		clang = s.h.cfg.Language
	}
	msgKey := "msg_" + it.Reason
	if it.Reason == reasonQuietHigh {
		msgKey = "msg_quiet"
	}
	msg := s.h.cat.T(clang, msgKey, "name", firstName(c.Name), "who", it.Who, "amount", amount, "date", it.On)
	b := Block{Heading: c.Name + " — " + why, Text: "“" + msg + "”"}
	if len(c.Phones) > 0 {
		b.Fields = append(b.Fields, Field{Label: t("care_whatsapp"), Value: waLink(c.Phones[0], msg)})
	}
	if len(c.Emails) > 0 {
		b.Fields = append(b.Fields, Field{Label: t("care_email"), Value: mailtoLink(c.Emails[0], s.h.cat.T(clang, "msg_subject"), msg)})
	}
	b.Buttons = []Button{{Label: t("btn_show"), Command: "show #" + string(c.ID)}}
	return b
}

// firstName is how a message greets: the first word of a Latin name, the
// whole name otherwise (Chinese and many Indian names read oddly cut).
func firstName(name string) string {
	f := strings.Fields(name)
	if len(f) == 0 {
		return name
	}
	for _, r := range f[0] {
		if r > 0x24F {
			return name
		}
	}
	return f[0]
}

// escape percent-encodes text for a URL query, with %20 for spaces, which
// both WhatsApp and mail clients read (a "+" is taken literally by some).
func escape(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

// waLink is a click-to-chat link: https://wa.me/<digits>?text=<message>.
func waLink(e164, msg string) string {
	return "https://wa.me/" + strings.TrimPrefix(e164, "+") + "?text=" + escape(msg)
}

// mailtoLink is a mailto: link with a subject and body (RFC 6068).
func mailtoLink(addr, subject, body string) string {
	return "mailto:" + addr + "?subject=" + escape(subject) + "&body=" + escape(body)
}

// PlanCare computes the care lists of a local day ("2006-01-02") and plans
// their deliveries; lists already planned stay as they are. The daily job
// calls it; an operator may call it to re-run a day.
func (s *Scheduler) PlanCare(ctx context.Context, day string) (int, error) {
	return s.planCare(ctx, day)
}
