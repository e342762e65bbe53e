// Package dates finds dates and times written in natural language in chat
// messages and resolves them in a business's time zone.
//
// It understands English, Malay, Indonesian, Chinese (Simplified and
// Traditional) and Hindi phrases that staff use for follow-ups ("tomorrow
// 3pm", "esok pukul 3 petang", "besok jam 15:00", "下周五", "下週五",
// "अगले शुक्रवार", "हफ्ते बाद"), ISO dates (2026-12-01),
// day/month/year dates (1/12/2026) and clock times (09:00, 9am).
//
// The multilingual phrases are matched by the package's own table of regular
// expressions, because github.com/olebedev/when has no Malay, Indonesian or
// Hindi rules and gets several English and Chinese cases wrong for
// follow-ups (bare weekdays never mean today, "next week" is not understood,
// "this friday" can fall in the past, relative dates keep the current clock
// time, Sunday is off by a week in Chinese). Anything the table does not
// recognise is handed to when's English, common and Chinese rules as a
// fallback (for example "dec 5 at 3pm").
//
// Only dates from the start of today onward are returned: follow-ups are in
// the future.
package dates

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/olebedev/when"
	"github.com/olebedev/when/rules"
	"github.com/olebedev/when/rules/common"
	"github.com/olebedev/when/rules/en"
	"github.com/olebedev/when/rules/zh"
)

// Parser resolves dates in one time zone.
//
// A Parser is safe for concurrent use.
type Parser struct {
	loc *time.Location
	// fallbacks are when parsers tried in order: English and common rules,
	// then Chinese rules, then the Chinese month-day rule.
	fallbacks []*when.Parser
}

// New returns a parser for dates in loc. A nil loc means UTC.
func New(loc *time.Location) *Parser {
	if loc == nil {
		loc = time.UTC
	}
	opts := &rules.Options{
		Distance:     5,
		MatchByOrder: true,
		Morning:      9,
		Noon:         12,
		Afternoon:    15,
		Evening:      18,
	}
	enParser := when.New(opts)
	enParser.Add(en.All...)
	enParser.Add(common.All...)
	zhParser := when.New(opts)
	// zh.ExactMonthDate ("12月5日") panics on many inputs in v1.1.0, so it
	// runs alone, last; parseFallback recovers from the panic.
	zhDateParser := when.New(opts)
	zhDateParser.Add(zh.ExactMonthDate(rules.Override))
	zhParser.Add(
		zh.Weekday(rules.Override),
		zh.CasualDate(rules.Override),
		zh.CasualTime(rules.Override),
		zh.HourMinute(rules.Override),
		zh.TraditionHour(rules.Override),
		zh.AfterTime(rules.Override),
	)
	return &Parser{loc: loc, fallbacks: []*when.Parser{enParser, zhParser, zhDateParser}}
}

// Parse finds the first date or time expression in s, relative to now.
// It returns the moment (in the parser's zone), whether a clock time was
// given explicitly (false for "tomorrow", "next friday", "in 3 days", "2026-12-01"),
// the text of s with the date expression removed (spaces trimmed and collapsed),
// and ok=false when s holds no date.
//
// When timed is false, t is 00:00 local time on the day found. Durations in
// hours or minutes ("in 2 hours") are timed and resolve to now plus the
// duration. A clock time without a day ("09:00") means today, or tomorrow if
// that time has already passed. Expressions resolving to before the start of
// today are ignored.
func (p *Parser) Parse(s string, now time.Time) (t time.Time, timed bool, rest string, ok bool) {
	now = now.In(p.loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, p.loc)
	typed := s
	s = simplified.Replace(s) // same byte length, so spans found in s cut typed

	start, end := -1, -1
	cands := findCandidates(s)
	if m, found := parseOwn(s, cands, now, today); found {
		t, timed, start, end, ok = m.t, m.timed, m.start, m.end, true
	}
	// The fallback is used when the table finds nothing it can resolve
	// (and the fallback's text is not something the table rejected, such as
	// a past date), or when when's expression contains the table's one plus
	// more text with digits in it: "dec 5 at 3pm", "下个月5号".
	for _, fb := range p.fallbacks {
		ft, ftimed, fs, fe, found := p.parseFallback(fb, s, now, today)
		if !found {
			continue
		}
		extends := ok && fs <= start && fe >= end && fe-fs > end-start &&
			strings.ContainsAny(s[fs:start]+s[end:fe], "0123456789")
		if extends || (!ok && !overlapsAny(cands, fs, fe)) {
			t, timed, start, end, ok = ft, ftimed, fs, fe, true
			break
		}
	}
	if !ok {
		return time.Time{}, false, "", false
	}
	return t, timed, removeSpan(typed, start, end), true
}

// simplified writes the Traditional characters of date phrases ("下週五",
// "後天", "下個月", "三個禮拜以後") in their Simplified form, which the rule
// table spells, so Taiwan's staff are read by the same rules. Each pair is
// three bytes in UTF-8 on both sides, which keeps byte spans valid.
var simplified = strings.NewReplacer("週", "周", "後", "后", "個", "个", "禮", "礼", "時", "时", "鐘", "钟", "號", "号", "這", "这", "點", "点")

// match is a resolved expression and its byte span in the input.
type match struct {
	t          time.Time
	timed      bool
	start, end int
}

// parseOwn resolves the first expression recognised by the package's own
// rule table.
func parseOwn(s string, cands []candidate, now, today time.Time) (match, bool) {
	for _, c := range cands {
		if m, ok := resolve(s, c, now, today); ok {
			return m, true
		}
	}
	return match{}, false
}

// overlapsAny reports whether s[start:end] overlaps any candidate.
func overlapsAny(cands []candidate, start, end int) bool {
	for _, c := range cands {
		if c.start < end && start < c.end {
			return true
		}
	}
	return false
}

// resolve turns candidate c (plus an adjacent clock time or day, if any)
// into a moment.
func resolve(s string, c candidate, now, today time.Time) (match, bool) {
	loc := today.Location()
	switch c.kind {
	case kindDuration:
		d, ok := durationRules[c.rule].resolve(c.groups)
		if !ok {
			return match{}, false
		}
		return match{t: now.Add(d), timed: true, start: c.start, end: c.end}, true

	case kindDay:
		day, ok := dayRules[c.rule].resolve(c.groups, today)
		if !ok || day.Before(today) {
			return match{}, false
		}
		m := match{t: day, start: c.start, end: c.end}
		if cl, ok := clockAfter(s, c.end, clockConnector, true); ok {
			m.t = time.Date(day.Year(), day.Month(), day.Day(), cl.hour, cl.min, 0, 0, loc)
			m.timed = true
			m.end = cl.end
		}
		return m, true

	case kindClock:
		hour, minute, ok := clockRules[c.rule].resolve(c.groups)
		if !ok || clockRules[c.rule].periodOnly {
			return match{}, false
		}
		cl := clockAt{hour: hour, min: minute, end: c.end}
		m := match{timed: true, start: c.start, end: c.end}
		// "3pm tomorrow", "9am next friday".
		if d, ok := dayAfter(s, c.end, today); ok {
			m.t = time.Date(d.t.Year(), d.t.Month(), d.t.Day(), cl.hour, cl.min, 0, 0, loc)
			m.end = d.end
			return m, true
		}
		m.t = time.Date(today.Year(), today.Month(), today.Day(), cl.hour, cl.min, 0, 0, loc)
		if m.t.Before(now) {
			m.t = time.Date(today.Year(), today.Month(), today.Day()+1, cl.hour, cl.min, 0, 0, loc)
		}
		return m, true
	}
	return match{}, false
}

// clockAt is a clock time and where its text ends.
type clockAt struct {
	hour, min int
	end       int
}

// clockAfter looks for a clock time starting at pos (after an optional
// connector such as "at" or a comma).
func clockAfter(s string, pos int, connector *regexp.Regexp, allowPeriodOnly bool) (clockAt, bool) {
	tail := s[pos:]
	skip := 0
	if loc := connector.FindStringIndex(tail); loc != nil {
		skip = loc[1]
	}
	best, found := clockAt{}, false
	for _, r := range clockRules {
		if r.periodOnly && !allowPeriodOnly {
			continue
		}
		idx := r.re.FindStringSubmatchIndex(tail[skip:])
		if idx == nil || idx[0] != 0 {
			continue
		}
		start, end := pos+skip, pos+skip+idx[1]
		if !boundaryOK(s, start, end) || (found && end <= best.end) {
			continue
		}
		h, m, ok := r.resolve(submatches(tail[skip:], idx))
		if !ok {
			continue
		}
		best, found = clockAt{hour: h, min: m, end: end}, true
	}
	return best, found
}

// dayAt is a resolved day and where its text ends.
type dayAt struct {
	t   time.Time
	end int
}

// dayAfter looks for a day expression right after a clock time ending at pos.
func dayAfter(s string, pos int, today time.Time) (dayAt, bool) {
	tail := s[pos:]
	skip := 0
	if loc := dayConnector.FindStringIndex(tail); loc != nil {
		skip = loc[1]
	}
	var best *candidate
	for i, r := range dayRules {
		idx := r.re.FindStringSubmatchIndex(tail[skip:])
		if idx == nil || idx[0] != 0 {
			continue
		}
		start, end := pos+skip, pos+skip+idx[1]
		if !boundaryOK(s, start, end) {
			continue
		}
		if best == nil || end > best.end {
			best = &candidate{kind: kindDay, rule: i, start: start, end: end, groups: submatches(tail[skip:], idx)}
		}
	}
	if best == nil {
		return dayAt{}, false
	}
	d, ok := dayRules[best.rule].resolve(best.groups, today)
	if !ok || d.Before(today) {
		return dayAt{}, false
	}
	return dayAt{t: d, end: best.end}, true
}

// parseFallback asks the olebedev/when parser fb for the first expression
// in s.
func (p *Parser) parseFallback(fb *when.Parser, s string, now, today time.Time) (t time.Time, timed bool, start, end int, ok bool) {
	defer func() {
		// when's rules index captures freely; never let a bad input panic.
		if recover() != nil {
			ok = false
		}
	}()
	r, err := fb.Parse(s, now)
	if err != nil || r == nil || r.Index < 0 {
		return time.Time{}, false, 0, 0, false
	}
	text := strings.TrimSpace(r.Text)
	if text == "" || ambiguousFallback[strings.ToLower(text)] || bareLetterHour.MatchString(text) {
		return time.Time{}, false, 0, 0, false
	}
	start = r.Index + strings.Index(r.Text, text)
	end = start + len(text)
	// when reports text with a leading/trailing non-word char from its
	// (?:\W|^) guards; trim punctuation off the span.
	for start < end {
		c, size := utf8.DecodeRuneInString(s[start:])
		if isWordRune(c) || unicode.Is(unicode.Han, c) {
			break
		}
		start += size
	}
	for end > start {
		c, size := utf8.DecodeLastRuneInString(s[:end])
		if isWordRune(c) || unicode.Is(unicode.Han, c) || c == '.' {
			break
		}
		end -= size
	}
	if start >= end {
		return time.Time{}, false, 0, 0, false
	}
	t = r.Time.In(p.loc)
	timed = hasClock(s[start:end])
	if !timed {
		t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, p.loc)
	}
	if t.Before(today) {
		return time.Time{}, false, 0, 0, false
	}
	return t, timed, start, end, true
}

// hasClock reports whether text contains an explicit clock time.
func hasClock(text string) bool {
	for _, r := range clockRules {
		if r.periodOnly {
			continue
		}
		if r.re.MatchString(text) {
			return true
		}
	}
	return clockWord.MatchString(text)
}

// removeSpan cuts s[start:end] (and a dangling preposition before it) out of
// s and tidies spaces and edge punctuation.
func removeSpan(s string, start, end int) string {
	before := s[:start]
	if loc := leadingPreposition.FindStringIndex(before); loc != nil {
		before = before[:loc[0]]
	}
	out := strings.Join(strings.Fields(before+" "+s[end:]), " ")
	out = strings.Trim(out, " ,;:-.")
	return strings.Join(strings.Fields(out), " ")
}

// candidate is an unresolved regular-expression hit.
type candidate struct {
	kind       int
	rule       int
	start, end int
	groups     []string
}

const (
	kindDay = iota
	kindDuration
	kindClock
)

// findCandidates returns every rule hit in s, ordered by position (leftmost
// first), then length (longest first), then kind and rule order.
func findCandidates(s string) []candidate {
	var out []candidate
	add := func(kind, rule int, re *regexp.Regexp) {
		for _, idx := range re.FindAllStringSubmatchIndex(s, -1) {
			if idx[1] <= idx[0] || !boundaryOK(s, idx[0], idx[1]) {
				continue
			}
			out = append(out, candidate{kind: kind, rule: rule, start: idx[0], end: idx[1], groups: submatches(s, idx)})
		}
	}
	for i, r := range dayRules {
		add(kindDay, i, r.re)
	}
	for i, r := range durationRules {
		add(kindDuration, i, r.re)
	}
	for i, r := range clockRules {
		if !r.periodOnly {
			add(kindClock, i, r.re)
		}
	}
	// Insertion sort keeps this dependency-free and inputs are tiny.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && less(out[j], out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func less(a, b candidate) bool {
	if a.start != b.start {
		return a.start < b.start
	}
	if a.end != b.end {
		return a.end > b.end
	}
	if a.kind != b.kind {
		return a.kind < b.kind
	}
	return a.rule < b.rule
}

// submatches returns the capture groups of a FindStringSubmatchIndex result
// (index 0 is the whole match); missing groups are "".
func submatches(s string, idx []int) []string {
	g := make([]string, len(idx)/2)
	for i := range g {
		if idx[2*i] >= 0 {
			g[i] = s[idx[2*i]:idx[2*i+1]]
		}
	}
	return g
}

// isWordRune reports whether r is part of a space-separated word: a letter,
// digit or combining mark outside Han script (Chinese has no spaces, so Han
// characters never glue words together).
func isWordRune(r rune) bool {
	if unicode.Is(unicode.Han, r) {
		return false
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// boundaryOK reports whether s[start:end] is not part of a longer word, so
// that "esok" does not match inside "besok" nor "कल" inside "कलम".
func boundaryOK(s string, start, end int) bool {
	if start > 0 {
		first, _ := utf8.DecodeRuneInString(s[start:])
		prev, _ := utf8.DecodeLastRuneInString(s[:start])
		if isWordRune(first) && isWordRune(prev) {
			return false
		}
	}
	if end < len(s) {
		last, _ := utf8.DecodeLastRuneInString(s[:end])
		next, _ := utf8.DecodeRuneInString(s[end:])
		if isWordRune(last) && isWordRune(next) {
			return false
		}
	}
	return true
}

var (
	// clockConnector joins a day to a following clock time: "tomorrow at 3pm".
	clockConnector = regexp.MustCompile(`^[\s,]*(?:(?:at|@|on)\s*)?`)
	// dayConnector joins a clock time to a following day: "3pm on friday".
	dayConnector = regexp.MustCompile(`^[\s,]*(?:on\s+)?`)
	// leadingPreposition is dropped from the rest together with the date:
	// "follow up on friday" -> "follow up".
	leadingPreposition = regexp.MustCompile(`(?i)(?:^|\s)(?:on|at|by|pada|pd)\s*$`)
	// clockWord marks when's fallback text as timed.
	clockWord = regexp.MustCompile(`(?i)\d\s*(?:am|pm|a\.m\.|p\.m\.)|\d:\d|点|noon|midnight|morning|afternoon|evening|tonight`)
)

// ambiguousFallback lists texts when matches that are usually not dates.
var ambiguousFallback = map[string]bool{"now": true, "sun": true, "sat": true, "mon": true}

// bareLetterHour matches when's reading of "5 a" or "3p" as a clock time.
var bareLetterHour = regexp.MustCompile(`(?i)^\d{1,2}\s*[ap]\.?$`)

// dayRule recognises an expression naming a day (no time of day).
type dayRule struct {
	re *regexp.Regexp
	// resolve returns midnight of the day named by the capture groups.
	resolve func(g []string, today time.Time) (time.Time, bool)
}

// durationRule recognises "in 2 hours" and its translations.
type durationRule struct {
	re      *regexp.Regexp
	resolve func(g []string) (time.Duration, bool)
}

// clockRule recognises a clock time such as "3pm", "15:00",
// "pukul 3 petang", "下午3点" or "शाम 5 बजे".
type clockRule struct {
	re      *regexp.Regexp
	resolve func(g []string) (hour, min int, ok bool)
	// periodOnly rules ("pagi", "morning") only count right after a day.
	periodOnly bool
}

// Patterns shared by several rules.
const (
	numPat     = `(\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|satu|dua|tiga|empat|lima|enam|tujuh|lapan|delapan|sembilan|sepuluh|[零一二两三四五六七八九十]+|एक|दो|तीन|चार|पांच|पाँच|छह|सात|आठ|नौ|दस)`
	periodPat  = `am|pm|a\.m\.|p\.m\.|pagi|tengah\s*hari|siang|petang|sore|malam`
	enWeekdays = `monday|tuesday|tues|tue|wednesday|wed|thursday|thurs|thur|thu|friday|fri|saturday|sunday`
	msWeekdays = `isnin|senin|selasa|rabu|khamis|kamis|jumaat|jum'at|jumat|sabtu|ahad|minggu`
	hiWeekdays = `सोमवार|मंगलवार|बुधवार|गुरुवार|बृहस्पतिवार|शुक्रवार|शनिवार|रविवार`
)

// weekdays maps weekday names in all supported languages.
var weekdays = map[string]time.Weekday{
	"sunday": time.Sunday, "ahad": time.Sunday, "minggu": time.Sunday, "रविवार": time.Sunday,
	"日": time.Sunday, "天": time.Sunday, "7": time.Sunday,
	"monday": time.Monday, "isnin": time.Monday, "senin": time.Monday, "सोमवार": time.Monday,
	"一": time.Monday, "1": time.Monday,
	"tuesday": time.Tuesday, "tues": time.Tuesday, "tue": time.Tuesday, "selasa": time.Tuesday,
	"मंगलवार": time.Tuesday, "二": time.Tuesday, "2": time.Tuesday,
	"wednesday": time.Wednesday, "wed": time.Wednesday, "rabu": time.Wednesday, "बुधवार": time.Wednesday,
	"三": time.Wednesday, "3": time.Wednesday,
	"thursday": time.Thursday, "thurs": time.Thursday, "thur": time.Thursday, "thu": time.Thursday,
	"khamis": time.Thursday, "kamis": time.Thursday, "गुरुवार": time.Thursday, "बृहस्पतिवार": time.Thursday,
	"四": time.Thursday, "4": time.Thursday,
	"friday": time.Friday, "fri": time.Friday, "jumaat": time.Friday, "jum'at": time.Friday,
	"jumat": time.Friday, "शुक्रवार": time.Friday, "五": time.Friday, "5": time.Friday,
	"saturday": time.Saturday, "sabtu": time.Saturday, "शनिवार": time.Saturday,
	"六": time.Saturday, "6": time.Saturday,
}

// numberWords maps spelled-out small numbers (English, Malay/Indonesian).
var numberWords = map[string]int{
	"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
	"seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
	"satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7,
	"lapan": 8, "delapan": 8, "sembilan": 9, "sepuluh": 10,
	"एक": 1, "दो": 2, "तीन": 3, "चार": 4, "पांच": 5, "पाँच": 5, "छह": 6, "सात": 7, "आठ": 8, "नौ": 9, "दस": 10,
}

// hanDigits maps Chinese numerals.
var hanDigits = map[rune]int{
	'零': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9,
}

// parseNumber reads digits, a number word or a Chinese numeral below 100.
func parseNumber(s string) (int, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(s); err == nil {
		return n, true
	}
	if n, ok := numberWords[s]; ok {
		return n, true
	}
	// Chinese: 三, 十, 十五, 二十, 二十五.
	n, cur, seen := 0, 0, false
	for _, r := range s {
		switch d, ok := hanDigits[r]; {
		case ok:
			cur, seen = d, true
		case r == '十':
			if !seen {
				cur = 1
			}
			n += cur * 10
			cur, seen = 0, false
		default:
			return 0, false
		}
	}
	return n + cur, true
}

// unitSpan is a calendar step: a number of days or of months.
type unitSpan struct{ days, months int }

// units maps day-level units in all supported languages.
var units = map[string]unitSpan{
	"day": {days: 1}, "days": {days: 1}, "hari": {days: 1}, "天": {days: 1}, "दिन": {days: 1},
	"week": {days: 7}, "weeks": {days: 7}, "minggu": {days: 7}, "周": {days: 7}, "星期": {days: 7},
	"个星期": {days: 7}, "礼拜": {days: 7}, "个礼拜": {days: 7},
	"हफ्ते": {days: 7}, "हफ़्ते": {days: 7}, "सप्ताह": {days: 7},
	"month": {months: 1}, "months": {months: 1}, "bulan": {months: 1}, "个月": {months: 1}, "महीने": {months: 1},
}

// clockUnits maps hour and minute units in all supported languages.
var clockUnits = map[string]time.Duration{
	"hour": time.Hour, "hours": time.Hour, "hr": time.Hour, "hrs": time.Hour, "jam": time.Hour,
	"小时": time.Hour, "个小时": time.Hour, "घंटे": time.Hour, "घंटा": time.Hour, "घंटों": time.Hour,
	"minute": time.Minute, "minutes": time.Minute, "min": time.Minute, "mins": time.Minute,
	"minit": time.Minute, "menit": time.Minute, "分钟": time.Minute, "मिनट": time.Minute,
}

// addMonths adds n months to day, clamping to the last day of the month
// (31 January + 1 month = 28/29 February).
func addMonths(day time.Time, n int) time.Time {
	first := time.Date(day.Year(), day.Month()+time.Month(n), 1, 0, 0, 0, 0, day.Location())
	last := first.AddDate(0, 1, -1).Day()
	d := day.Day()
	if d > last {
		d = last
	}
	return time.Date(first.Year(), first.Month(), d, 0, 0, 0, 0, day.Location())
}

// weekdayFrom returns the first wd on or after today (strictly after when
// strict is set).
func weekdayFrom(today time.Time, wd time.Weekday, strict bool) time.Time {
	diff := (int(wd) - int(today.Weekday()) + 7) % 7
	if diff == 0 && strict {
		diff = 7
	}
	return today.AddDate(0, 0, diff)
}

// nextWeekMonday returns Monday of the week after today's (weeks start on
// Monday).
func nextWeekMonday(today time.Time) time.Time {
	sinceMonday := (int(today.Weekday()) + 6) % 7
	return today.AddDate(0, 0, 7-sinceMonday)
}

// inNextWeek returns day wd in the week after today's.
func inNextWeek(today time.Time, wd time.Weekday) time.Time {
	return nextWeekMonday(today).AddDate(0, 0, (int(wd)+6)%7)
}

// validDate builds a date, rejecting overflow such as 31/02.
func validDate(y, m, d int, loc *time.Location) (time.Time, bool) {
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, loc)
	if t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return time.Time{}, false
	}
	return t, true
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// fixed returns a resolver for a day at a fixed offset from today.
func fixed(days int) func([]string, time.Time) (time.Time, bool) {
	return func(_ []string, today time.Time) (time.Time, bool) {
		return today.AddDate(0, 0, days), true
	}
}

// relative resolves "<number> <unit>" captured in groups 1 and 2.
func relative(g []string, today time.Time) (time.Time, bool) {
	n, ok := parseNumber(g[1])
	u, uok := units[strings.ToLower(g[2])]
	if !ok || !uok || n > 1000 {
		return time.Time{}, false
	}
	if u.months != 0 {
		return addMonths(today, n*u.months), true
	}
	return today.AddDate(0, 0, n*u.days), true
}

// relativeDuration resolves "<number> <hours|minutes>" in groups 1 and 2.
func relativeDuration(g []string) (time.Duration, bool) {
	n, ok := parseNumber(g[1])
	u, uok := clockUnits[strings.ToLower(g[2])]
	if !ok || !uok || n > 10000 {
		return 0, false
	}
	return time.Duration(n) * u, true
}

// weekdayWith resolves a weekday name in group 2 with modifier in group 1
// ("next", "this", "depan", "अगले", ...) and optional "next week" in group 3.
func weekdayWith(g []string, today time.Time) (time.Time, bool) {
	mod, name := strings.ToLower(g[1]), strings.ToLower(g[2])
	wd, ok := weekdays[name]
	if !ok {
		return time.Time{}, false
	}
	if len(g) > 3 && g[3] != "" {
		return inNextWeek(today, wd), true
	}
	switch mod {
	case "next", "coming", "depan", "hadapan", "अगले", "अगला":
		return weekdayFrom(today, wd, true), true
	case "ini":
		if name == "minggu" { // "minggu ini" is "this week", not Sunday.
			return time.Time{}, false
		}
	}
	return weekdayFrom(today, wd, false), true
}

// dayRules are tried together; the leftmost, then longest hit wins, then
// the earlier rule.
var dayRules = []dayRule{
	{ // ISO 2026-12-01
		re: regexp.MustCompile(`(\d{4})-(\d{1,2})-(\d{1,2})`),
		resolve: func(g []string, today time.Time) (time.Time, bool) {
			return validDate(atoi(g[1]), atoi(g[2]), atoi(g[3]), today.Location())
		},
	},
	{ // day/month/year, as written in Malaysia and India: 1/12/2026.
		re: regexp.MustCompile(`(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})`),
		resolve: func(g []string, today time.Time) (time.Time, bool) {
			return validDate(atoi(g[3]), atoi(g[2]), atoi(g[1]), today.Location())
		},
	},
	{re: regexp.MustCompile(`(?i)(?:the\s+)?day\s+after\s+tomorrow|lusa|后天|परसों`), resolve: fixed(2)},
	{re: regexp.MustCompile(`(?i)today|hari\s+ini|今天|आज`), resolve: fixed(0)},
	{re: regexp.MustCompile(`(?i)tomorrow|tmrw|tmr|besok|esok|明天|कल`), resolve: fixed(1)},
	{
		re: regexp.MustCompile(`(?i)next\s+week|minggu\s+(?:depan|hadapan)|下个?(?:周|星期|礼拜)|अगले\s+(?:हफ्ते|हफ़्ते|सप्ताह)|अगला\s+(?:हफ्ता|हफ़्ता|सप्ताह)`),
		resolve: func(_ []string, today time.Time) (time.Time, bool) {
			return nextWeekMonday(today), true
		},
	},
	{
		re: regexp.MustCompile(`(?i)next\s+month|bulan\s+(?:depan|hadapan)|下个?月|अगले\s+महीने|अगला\s+महीना`),
		resolve: func(_ []string, today time.Time) (time.Time, bool) {
			return addMonths(today, 1), true
		},
	},
	{re: regexp.MustCompile(`(?i)in\s+` + numPat + `\s+(days?|weeks?|months?)`), resolve: relative},
	{re: regexp.MustCompile(`(?i)` + numPat + `\s+(days?|weeks?|months?)\s+(?:from\s+now|later)`), resolve: relative},
	{re: regexp.MustCompile(`(?i)dalam\s+` + numPat + `\s+(hari|minggu|bulan)`), resolve: relative},
	{re: regexp.MustCompile(`(?i)` + numPat + `\s+(hari|minggu|bulan)\s+(?:lagi|kemudian)`), resolve: relative},
	{re: regexp.MustCompile(numPat + `\s*(天|个星期|星期|个礼拜|礼拜|周|个月)(?:以后|之后|后)`), resolve: relative},
	{re: regexp.MustCompile(numPat + `\s*(दिन|हफ्ते|हफ़्ते|सप्ताह|महीने)\s*(?:में|बाद)`), resolve: relative},
	// "हफ्ते बाद", "महीने बाद": a week, a month from today, the one unspoken.
	{re: regexp.MustCompile(`(दिन|हफ्ते|हफ़्ते|सप्ताह|महीने)\s*बाद`), resolve: func(g []string, today time.Time) (time.Time, bool) {
		return relative([]string{g[0], "1", g[1]}, today)
	}},
	{
		re:      regexp.MustCompile(`(?i)(?:(next|this|coming)\s+)?(` + enWeekdays + `)(\s+next\s+week)?`),
		resolve: weekdayWith,
	},
	{
		re: regexp.MustCompile(`(?i)(?:hari\s+)?(` + msWeekdays + `)(?:\s+(depan|hadapan|ini))?`),
		resolve: func(g []string, today time.Time) (time.Time, bool) {
			return weekdayWith([]string{g[0], g[2], g[1]}, today)
		},
	},
	{
		// 周五/星期五 this week's (today or later), 下周五 next week's Friday.
		re: regexp.MustCompile(`(下下|下个?|这个?|本)?(?:周|星期|礼拜)([一二三四五六日天1-7])`),
		resolve: func(g []string, today time.Time) (time.Time, bool) {
			wd := weekdays[g[2]]
			switch g[1] {
			case "下下":
				return inNextWeek(today, wd).AddDate(0, 0, 7), true
			case "下", "下个":
				return inNextWeek(today, wd), true
			}
			return weekdayFrom(today, wd, false), true
		},
	},
	{
		re:      regexp.MustCompile(`(?:(अगले|अगला|इस)\s+)?(` + hiWeekdays + `)(?:\s+को)?`),
		resolve: weekdayWith,
	},
}

// durationRules resolve to now plus a duration.
var durationRules = []durationRule{
	{re: regexp.MustCompile(`(?i)in\s+` + numPat + `\s*(hours?|hrs?|minutes?|mins?)`), resolve: relativeDuration},
	{re: regexp.MustCompile(`(?i)` + numPat + `\s*(hours?|hrs?|minutes?|mins?)\s+(?:from\s+now|later)`), resolve: relativeDuration},
	{re: regexp.MustCompile(`(?i)dalam\s+` + numPat + `\s*(jam|minit|menit)`), resolve: relativeDuration},
	{re: regexp.MustCompile(`(?i)` + numPat + `\s*(jam|minit|menit)\s+(?:lagi|kemudian)`), resolve: relativeDuration},
	{re: regexp.MustCompile(numPat + `\s*(个小时|小时|分钟)(?:以后|之后|后)`), resolve: relativeDuration},
	{re: regexp.MustCompile(numPat + `\s*(घंटे|घंटा|घंटों|मिनट)\s*(?:में|बाद)`), resolve: relativeDuration},
}

// applyPeriod converts hour h qualified by a period word ("pm", "petang",
// "下午", "शाम", ...) to 24-hour time.
func applyPeriod(h int, period string) (int, bool) {
	p := strings.Join(strings.Fields(strings.ToLower(strings.ReplaceAll(period, ".", ""))), "")
	switch p {
	case "":
		return h, h >= 0 && h <= 23
	case "am", "a":
		if h < 1 || h > 12 {
			return 0, false
		}
		return h % 12, true
	case "pm", "p":
		if h < 1 || h > 12 {
			return 0, false
		}
		return h%12 + 12, true
	}
	if h < 0 || h > 23 {
		return 0, false
	}
	switch p {
	case "pagi", "上午", "早上", "早晨", "सुबह":
		if h == 12 {
			return 0, true
		}
	case "tengahhari", "siang", "中午", "दोपहर":
		if h >= 1 && h <= 6 {
			return h + 12, true
		}
	case "petang", "sore", "下午", "傍晚", "शाम":
		if h < 12 {
			return h + 12, true
		}
	case "malam", "晚上", "रात":
		if h >= 6 && h < 12 {
			return h + 12, true
		}
		if h == 12 {
			return 0, true
		}
	}
	return h, true
}

// clock builds a clockRule resolver from the group numbers of the hour,
// minute and period (0 when the rule has none). Minutes may be "半" (half).
func clock(hour, minute, period int) func([]string) (int, int, bool) {
	return func(g []string) (int, int, bool) {
		h, ok := parseNumber(g[hour])
		if !ok {
			return 0, 0, false
		}
		m := 0
		if minute > 0 && g[minute] != "" {
			if g[minute] == "半" {
				m = 30
			} else if m, ok = parseNumber(g[minute]); !ok || m > 59 {
				return 0, 0, false
			}
		}
		per := ""
		if period > 0 {
			per = g[period]
		}
		h, ok = applyPeriod(h, per)
		return h, m, ok
	}
}

// periodHours are default times for a bare period after a day
// ("esok pagi", "tomorrow evening", "明天下午").
var periodHours = map[string]int{
	"morning": 9, "pagi": 9, "上午": 9, "早上": 9, "सुबह": 9,
	"noon": 12, "tengahhari": 12, "siang": 12, "中午": 12, "दोपहर": 12,
	"afternoon": 15, "petang": 15, "sore": 15, "下午": 15,
	"evening": 18, "傍晚": 18, "शाम": 18,
	"night": 20, "malam": 20, "晚上": 20, "रात": 20,
}

// clockRules recognise clock times. Several may match at one place; the
// longest wins.
var clockRules = []clockRule{
	{ // pukul 3 petang, jam 15:00, pkl 9.30 pagi
		re:      regexp.MustCompile(`(?i)(?:pukul|pkl\.?|jam)\s*(\d{1,2})(?:[:.](\d{2}))?(?:\s*(` + periodPat + `))?`),
		resolve: clock(1, 2, 3),
	},
	{ // 15:00, 3:30pm, 9:00 pagi
		re:      regexp.MustCompile(`(?i)(\d{1,2})[:：](\d{2})(?:\s*(` + periodPat + `))?`),
		resolve: clock(1, 2, 3),
	},
	{ // 9am, 3 pm, 9.30am
		re:      regexp.MustCompile(`(?i)(\d{1,2})(?:\.(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)`),
		resolve: clock(1, 2, 3),
	},
	{ // 3 petang, 9 pagi
		re:      regexp.MustCompile(`(?i)(\d{1,2})\s*(pagi|tengah\s*hari|siang|petang|sore|malam)`),
		resolve: clock(1, 0, 2),
	},
	{ // 下午3点, 3点半, 15点30分
		re:      regexp.MustCompile(`(上午|早上|早晨|中午|下午|傍晚|晚上)?\s*(\d{1,2}|[零一二两三四五六七八九十]+)\s*[点點](?:\s*(半|\d{1,2}|[零一二三四五六七八九十]+)\s*分?)?`),
		resolve: clock(2, 3, 1),
	},
	{ // शाम 5 बजे, 10:30 बजे
		re:      regexp.MustCompile(`(सुबह|दोपहर|शाम|रात)?\s*(\d{1,2})(?::(\d{2}))?\s*बजे`),
		resolve: clock(2, 3, 1),
	},
	{
		re: regexp.MustCompile(`(?i)(morning|noon|afternoon|evening|night|pagi|tengah\s*hari|siang|petang|sore|malam|上午|早上|中午|下午|傍晚|晚上|सुबह|दोपहर|शाम|रात)`),
		resolve: func(g []string) (int, int, bool) {
			h, ok := periodHours[strings.Join(strings.Fields(strings.ToLower(g[1])), "")]
			return h, 0, ok
		},
		periodOnly: true,
	},
}
