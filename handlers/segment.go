package handlers

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/custfile"
)

// segmentFields are the filter fields a segment may name; anything else is
// refused with this list (RELIABILITY: field names from an allowlist).
var segmentFields = []string{"tier", "city", "source", "new", "silent", "birthday", "bought", "last"}

// segmentTiers are the tier words accepted alone or as tier=.
var segmentTiers = []crm.Tier{crm.TierHigh, crm.TierMiddle, crm.TierLow, crm.TierOneOff, crm.TierRepeat, crm.TierNone, crm.TierLost}

// Paging and export limits of a segment answer.
const (
	segmentPage   = 10
	segmentCSVMax = 20000
)

// segmentQuery is a parsed segment request.
type segmentQuery struct {
	filter crm.SegmentFilter
	expr   string // the filter as typed, canonical, for buttons and saving
	saved  string // name of a saved segment, when one was named
	page   int
	csv    bool
}

// segment: segment high · segment silent=60d · segment tier=high city="Kuala Lumpur" ·
// segment save vip-kl: tier=high city="Kuala Lumpur" · segment vip-kl page=2 · segment vip-kl csv
func (h *Handler) segment(ctx context.Context, r *request) (Reply, error) {
	st, ok := h.store.(crm.SegmentStore)
	if !ok {
		return Reply{}, crm.Errorf(crm.EINTERNAL, "err_internal")
	}
	args := strings.TrimSpace(r.args)
	if args == "" {
		return Reply{}, invalid("err_segment_empty")
	}
	if word, rest, _ := strings.Cut(args, " "); strings.EqualFold(word, "save") {
		return h.segmentSave(ctx, r, st, rest)
	}
	q, err := h.parseSegment(ctx, st, args, true)
	if err != nil {
		return Reply{}, err
	}
	if q.csv && !r.Staff.Role.AtLeast(crm.RoleManager) {
		return Reply{}, crm.Errorf(crm.EFORBIDDEN, "err_forbidden_command", "command", "segment csv")
	}
	members, err := st.SegmentMembers(ctx, q.filter)
	if err != nil {
		return Reply{}, err
	}
	if q.csv {
		return h.segmentCSV(ctx, r, q, members)
	}
	return h.segmentPage(ctx, r, q, members)
}

// segmentSave: segment save vip-kl: tier=high city="Kuala Lumpur"
func (h *Handler) segmentSave(ctx context.Context, r *request, st crm.SegmentStore, rest string) (Reply, error) {
	if !r.Staff.Role.AtLeast(crm.RoleManager) {
		return Reply{}, crm.Errorf(crm.EFORBIDDEN, "err_forbidden_command", "command", "segment save")
	}
	name, expr, ok := splitColon(rest)
	name = strings.ToLower(name)
	if !ok || expr == "" {
		return Reply{}, invalid("err_segment_save_form")
	}
	if !crm.ValidSegmentName(name) || reservedSegmentName(name) {
		return Reply{}, invalid("err_segment_name", "name", clip(name, 40))
	}
	q, err := h.parseSegment(ctx, st, expr, false)
	if err != nil {
		return Reply{}, err
	}
	replaced, err := st.SaveSegment(ctx, &crm.Segment{Name: name, Filter: q.expr, SavedBy: r.Staff.ID, SavedAt: h.cfg.Now()})
	if err != nil {
		return Reply{}, err
	}
	members, err := st.SegmentMembers(ctx, q.filter)
	if err != nil {
		return Reply{}, err
	}
	key := "segment_saved"
	if replaced {
		key = "segment_replaced"
	}
	t := func(key string, args ...any) string { return h.cat.T(r.lang, key, args...) }
	return Reply{Blocks: []Block{{
		Text:    t(key, "name", name, "filter", q.expr) + "\n" + t("segment_count", "count", len(members)),
		Buttons: []Button{{Label: t("btn_segment_list"), Command: "segment " + name}},
	}}}, nil
}

// reservedSegmentName reports names a saved segment may not take, since
// they mean something else after "segment".
func reservedSegmentName(name string) bool {
	if name == "save" || name == "csv" || name == "new-this-month" {
		return true
	}
	for _, t := range segmentTiers {
		if string(t) == name {
			return true
		}
	}
	return false
}

// parseSegment reads a filter: tier words, new-this-month, field=value or
// field:value settings with quoted or unquoted values, page=N and csv when
// listing is set, or the name of a saved segment alone.
func (h *Handler) parseSegment(ctx context.Context, st crm.SegmentStore, s string, listing bool) (segmentQuery, error) {
	q := segmentQuery{page: 1}
	toks := segmentTokens(s)
	if len(toks) > 12 {
		return q, invalid("err_segment_too_long")
	}
	var parts []string
	var f crm.SegmentFilter
	lastDays := 0
	seen := map[string]bool{}
	var freeText *string // the free-text value unquoted words continue
	var freeKey string
	set := func(key, value string) error {
		if seen[key] {
			return invalid("err_segment_twice", "field", key)
		}
		seen[key] = true
		freeText, freeKey = nil, key
		switch key {
		case "tier":
			t, ok := tierOf(value)
			if !ok {
				return invalid("err_segment_tier", "value", clip(value, 20))
			}
			f.Tier = t
		case "city":
			f.City = clip(value, 80)
			freeText = &f.City
		case "source":
			f.Source = clip(value, 80)
			freeText = &f.Source
		case "bought":
			f.Bought = clip(value, 60)
			freeText = &f.Bought
		case "new":
			from, to, ok := h.period(value)
			if !ok {
				return invalid("err_segment_period", "field", key, "value", clip(value, 20))
			}
			f.CreatedFrom, f.CreatedTo = from, to
		case "silent", "last":
			n, ok := days(value)
			if !ok {
				return invalid("err_segment_days", "field", key, "value", clip(value, 20))
			}
			if key == "silent" {
				f.SilentSince = h.cfg.Now().Add(-time.Duration(n) * 24 * time.Hour)
			} else {
				lastDays = n
			}
		case "birthday":
			m, ok := h.month(value)
			if !ok {
				return invalid("err_segment_birthday", "value", clip(value, 20))
			}
			f.BirthMonth = m
		default:
			return invalid("err_segment_field", "field", clip(key, 20), "fields", strings.Join(segmentFields, ", "))
		}
		return nil
	}
	for i, tk := range toks {
		key, value, isKV := tk.setting()
		switch {
		case isKV && key == "page" && listing:
			n, err := strconv.Atoi(value)
			if err != nil || n < 1 || n > 100000 {
				return q, invalid("err_segment_page")
			}
			q.page = n
			continue
		case isKV:
			if err := set(key, value); err != nil {
				return q, err
			}
			if tk.quoted {
				freeText = nil
			}
		case strings.EqualFold(tk.text, "csv") && listing:
			q.csv = true
			continue
		case strings.EqualFold(tk.text, "new-this-month"):
			if err := set("new", "this-month"); err != nil {
				return q, err
			}
		default:
			if t, ok := tierOf(tk.text); ok && !tk.quoted {
				if err := set("tier", string(t)); err != nil {
					return q, err
				}
				break
			}
			if freeText != nil {
				*freeText = clip(*freeText+" "+tk.text, 80)
				parts[len(parts)-1] = quoteSetting(freeKey, *freeText)
				continue
			}
			name := strings.ToLower(tk.text)
			if i == 0 && crm.ValidSegmentName(name) {
				seg, err := st.Segment(ctx, name)
				if crm.ErrorCode(err) == crm.ENOTFOUND {
					return q, crm.Errorf(crm.ENOTFOUND, "err_segment_unknown", "name", clip(name, 40), "fields", strings.Join(segmentFields, ", "))
				}
				if err != nil {
					return q, err
				}
				if len(toks) > 1 && !onlyListing(toks[1:]) {
					return q, invalid("err_segment_saved_plus")
				}
				inner, err := h.parseSegment(ctx, st, seg.Filter, false)
				if err != nil {
					return q, err
				}
				q.filter, q.expr, q.saved = inner.filter, name, name
				continue
			}
			return q, invalid("err_segment_word", "word", clip(tk.text, 30), "fields", strings.Join(segmentFields, ", "))
		}
		if isKV {
			parts = append(parts, quoteSetting(key, value))
		} else {
			parts = append(parts, strings.ToLower(tk.text))
		}
	}
	if q.saved != "" {
		return q, nil
	}
	if lastDays > 0 {
		if f.Bought == "" {
			return q, invalid("err_segment_last")
		}
		f.BoughtSince = h.cfg.Now().Add(-time.Duration(lastDays) * 24 * time.Hour)
	}
	if f.Empty() {
		return q, invalid("err_segment_empty")
	}
	q.filter, q.expr = f, strings.Join(parts, " ")
	return q, nil
}

// onlyListing reports whether every token is page=N or csv.
func onlyListing(toks []segmentToken) bool {
	for _, tk := range toks {
		if k, _, ok := tk.setting(); !(ok && k == "page") && !strings.EqualFold(tk.text, "csv") {
			return false
		}
	}
	return true
}

func quoteSetting(key, value string) string {
	if strings.ContainsAny(value, " \t") {
		return key + `="` + value + `"`
	}
	return key + "=" + value
}

func tierOf(s string) (crm.Tier, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "oneoff" || s == "one_off" {
		s = "one-off"
	}
	for _, t := range segmentTiers {
		if string(t) == s {
			return t, true
		}
	}
	return "", false
}

// days reads "60d" or "60": 1 to 3650 days.
func days(s string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), "d"))
	return n, err == nil && n >= 1 && n <= 3650
}

// period reads this-month, last-month or a number of days back from now,
// in the business's calendar.
func (h *Handler) period(s string) (from, to time.Time, ok bool) {
	now := h.now()
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, h.cfg.Location)
	switch strings.ToLower(s) {
	case "this-month":
		return first, first.AddDate(0, 1, 0), true
	case "last-month":
		return first.AddDate(0, -1, 0), first, true
	}
	n, ok := days(s)
	if !ok {
		return time.Time{}, time.Time{}, false
	}
	return now.Add(-time.Duration(n) * 24 * time.Hour), now.Add(time.Second), true
}

// month reads this-month, next-month or a month number 1 to 12.
func (h *Handler) month(s string) (int, bool) {
	now := h.now()
	switch strings.ToLower(s) {
	case "this-month":
		return int(now.Month()), true
	case "next-month":
		return int(now.AddDate(0, 0, 32-now.Day()).Month()), true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 1 && n <= 12
}

// segmentToken is one word of a filter, or a setting whose value was quoted.
type segmentToken struct {
	text   string // with quotes removed
	quoted bool
}

// setting splits "city=Kuala Lumpur" or `bought:solar panel` into key and value.
func (t segmentToken) setting() (key, value string, ok bool) {
	i := strings.IndexAny(t.text, "=:")
	if i <= 0 {
		return "", "", false
	}
	key = strings.ToLower(t.text[:i])
	if !kvKey.MatchString(key) {
		return "", "", false
	}
	return key, strings.TrimSpace(t.text[i+1:]), true
}

// segmentTokens splits on spaces outside straight or curly double quotes.
func segmentTokens(s string) []segmentToken {
	var out []segmentToken
	var cur strings.Builder
	inQuote, quoted := false, false
	flush := func() {
		if cur.Len() > 0 || quoted {
			out = append(out, segmentToken{text: cur.String(), quoted: quoted})
		}
		cur.Reset()
		quoted = false
	}
	for _, r := range s {
		switch {
		case r == '"' || r == '“' || r == '”':
			inQuote = !inQuote
			quoted = true
		case !inQuote && (r == ' ' || r == '\t' || r == '\n'):
			flush()
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	return out
}

// segmentPage lists one page of members with the count and buttons to move.
func (h *Handler) segmentPage(ctx context.Context, r *request, q segmentQuery, members []crm.SegmentMember) (Reply, error) {
	t := func(key string, args ...any) string { return h.cat.T(r.lang, key, args...) }
	head := Block{Heading: t("segment_heading", "filter", q.expr)}
	if len(members) == 0 {
		head.Text = t("segment_none")
		return Reply{Blocks: []Block{head}}, nil
	}
	pages := (len(members) + segmentPage - 1) / segmentPage
	page := min(q.page, pages)
	head.Text = t("segment_count", "count", len(members)) + " " + t("segment_page", "page", page, "pages", pages)
	from := (page - 1) * segmentPage
	list := Block{}
	var lines []string
	for i, m := range members[from:min(from+segmentPage, len(members))] {
		c, err := h.store.Customer(ctx, m.ID)
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			continue
		}
		if err != nil {
			return Reply{}, err
		}
		line := strconv.Itoa(from+i+1) + ". " + customerLabel(c) + " · " + h.tierName(r.lang, c.Stats.Tier)
		if c.City != "" {
			line += " · " + c.City
		}
		lines = append(lines, line)
		list.Buttons = append(list.Buttons, Button{Label: clip(c.Name, 40), Command: "show #" + string(c.ID)})
	}
	list.Text = strings.Join(lines, "\n")
	nav := Block{}
	base := "segment " + q.expr
	if page > 1 {
		nav.Buttons = append(nav.Buttons, Button{Label: t("btn_prev_page"), Command: base + " page=" + strconv.Itoa(page-1)})
	}
	if page < pages {
		nav.Buttons = append(nav.Buttons, Button{Label: t("btn_next_page"), Command: base + " page=" + strconv.Itoa(page+1)})
	}
	if r.Staff.Role.AtLeast(crm.RoleManager) {
		nav.Buttons = append(nav.Buttons, Button{Label: t("btn_segment_csv"), Command: base + " csv"})
	}
	// A button's command must fit Telegram's 64 bytes; a longer filter gets
	// the line to type instead.
	var fit []Button
	for _, b := range nav.Buttons {
		if len(b.Command) <= 64 {
			fit = append(fit, b)
		} else if strings.HasSuffix(b.Command, "page="+strconv.Itoa(page+1)) {
			nav.Text = t("segment_type_next", "command", b.Command)
		}
	}
	nav.Buttons = fit
	blocks := []Block{head, list}
	if nav.Text != "" || len(nav.Buttons) > 0 {
		blocks = append(blocks, nav)
	}
	return Reply{Blocks: blocks}, nil
}

// segmentCSV returns the members as a CSV file through custfile's writer,
// so cells that would start a formula are neutralised as in `crmbot
// export`, with the byte-order mark that lets Excel show every script.
func (h *Handler) segmentCSV(ctx context.Context, r *request, q segmentQuery, members []crm.SegmentMember) (Reply, error) {
	var buf bytes.Buffer
	w, err := custfile.NewWriter(&buf, h.cfg.Location, h.cfg.Currency)
	if err != nil {
		return Reply{}, err
	}
	for _, m := range members[:min(len(members), segmentCSVMax)] {
		c, err := h.store.Customer(ctx, m.ID)
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			continue
		}
		if err != nil {
			return Reply{}, err
		}
		if err := w.Write(c); err != nil {
			return Reply{}, err
		}
	}
	if err := w.Flush(); err != nil {
		return Reply{}, err
	}
	t := func(key string, args ...any) string { return h.cat.T(r.lang, key, args...) }
	note := t("segment_csv", "count", w.Count(), "filter", q.expr)
	if len(members) > segmentCSVMax {
		note += " " + t("segment_csv_capped", "max", segmentCSVMax, "count", len(members))
	}
	name := "segment-" + fileSlug(q.expr) + "-" + h.now().Format("2006-01-02") + ".csv"
	return Reply{Blocks: []Block{{Document: &Document{Name: name, Type: "text/csv", Data: buf.Bytes(), Caption: note}}}}, nil
}

// fileSlug turns a segment's filter into a safe part of a file name:
// letters and digits of any script kept, anything else one dash.
func fileSlug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.TrimRight(clip(b.String(), 40), "-…")
	if out == "" {
		return "all"
	}
	return out
}
