package handlers

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/crmbot/crmbot/crm"
)

// kindWords maps what people type before a customer to the kind of contact.
var kindWords = map[string]crm.InteractionKind{
	"call": crm.KindCall, "called": crm.KindCall, "phone": crm.KindCall, "panggilan": crm.KindCall, "telefon": crm.KindCall, "telepon": crm.KindCall, "电话": crm.KindCall, "電話": crm.KindCall,
	"visit": crm.KindVisit, "lawatan": crm.KindVisit, "kunjungan": crm.KindVisit, "拜访": crm.KindVisit, "拜訪": crm.KindVisit,
	"meeting": crm.KindMeeting, "mesyuarat": crm.KindMeeting, "rapat": crm.KindMeeting, "会议": crm.KindMeeting, "會議": crm.KindMeeting,
	"email": crm.KindEmail, "emel": crm.KindEmail, "邮件": crm.KindEmail,
	"message": crm.KindMessage, "msg": crm.KindMessage, "whatsapp": crm.KindMessage, "mesej": crm.KindMessage, "pesan": crm.KindMessage, "消息": crm.KindMessage,
	"note": crm.KindNote, "nota": crm.KindNote, "catatan": crm.KindNote,
}

// followUpMarker is a follow-up in the catalogue languages. Its date follows
// it or, in the word order of Malay, Indonesian, Chinese and Hindi, may come
// first: "follow up besok", "besok follow up", "明天跟进", "कल फ़ॉलो-अप".
var followUpMarker = regexp.MustCompile(`(?i)follow[ -]?up|susulan|susul|tindak lanjut|hubungi semula|hubungi lagi|跟进|跟進|(?:फ़|फ़|फ)ॉलो[- ]?अप`)

// clauseEnd separates the clauses of a note.
const clauseEnd = ",;，。；!?！？\n"

// logInteraction: log Siti: called about the quotation, follow up next friday
func (h *Handler) logInteraction(ctx context.Context, r *request) (Reply, error) {
	args := r.args
	kind := crm.InteractionKind("")
	if w, rest, _ := strings.Cut(args, " "); w != "" {
		if k, ok := kindWords[strings.ToLower(w)]; ok && rest != "" {
			kind, args = k, strings.TrimSpace(rest)
		}
	}
	who, text, ok := splitColon(args)
	if who == "" {
		return Reply{}, invalid("err_log_form")
	}
	if !ok || text == "" {
		prefix := "log "
		if kind != "" {
			prefix += string(kind) + " "
		}
		return Reply{Blocks: []Block{{Text: h.cat.T(r.lang, "ask_log")}}, Prompt: prefix + who + ":"}, nil
	}
	// Only campaign= is a setting; "size=XL" is part of the notes.
	notes, vals := takeKeys(text, map[string]bool{"campaign": false})
	campaign := ""
	if v, set := vals["campaign"]; set {
		campaign, _ = campaignValue(v)
	}
	notes, follow, err := h.followUpIn(notes)
	if err != nil {
		return Reply{}, err
	}
	if kind == "" {
		kind = guessKind(notes)
	}
	p, err := h.customer(ctx, r, who, func(ref string) string { return "log " + string(kind) + " " + ref + ": " + text })
	if err != nil || p.reply != nil {
		return deref(p.reply), err
	}
	it := &crm.Interaction{CustomerID: p.customer.ID, Staff: r.Staff.ID, Kind: kind, At: h.now(),
		Notes: clip(notes, 2000), FollowUpAt: follow, Campaign: campaign, Location: r.Location, Attachments: r.Files}
	if err := h.store.LogInteraction(ctx, it); err != nil {
		return Reply{}, err
	}
	h.audit(ctx, r, p.customer.ID)
	b := Block{Text: h.numbered(r, "log_no", int64(it.No), h.cat.T(r.lang, "logged", "kind", h.cat.T(r.lang, "kind_"+string(kind)), "name", p.customer.Name))}
	b.Fields = append(b.Fields, Field{Label: h.cat.T(r.lang, "field_notes"), Value: it.Notes})
	if !follow.IsZero() {
		rem := &crm.Reminder{Staff: r.Staff.ID, CustomerID: p.customer.ID, Customer: p.customer.Name, DueAt: follow, Text: clip(notes, 200)}
		if err := h.store.AddReminder(ctx, rem); err != nil {
			return Reply{}, err
		}
		b.Fields = append(b.Fields, Field{Label: h.cat.T(r.lang, "field_follow_up"), Value: h.when(follow)})
	}
	if it.Location != "" {
		b.Fields = append(b.Fields, Field{Label: h.cat.T(r.lang, "field_location"), Value: it.Location})
	}
	b.Buttons = []Button{{Label: h.cat.T(r.lang, "btn_show"), Command: "show #" + string(p.customer.ID)}}
	return Reply{Blocks: []Block{b}}, nil
}

// followUpIn finds a follow-up and its date in notes and returns the notes
// without them. The date is read in the marker's clause, after the marker
// and then before it. A marker inside a sentence with no date by it is part
// of the notes ("asked about followup service pricing", "follow up on the
// quotation"); one with words by it that try to be a date and are not one
// ("next fryday", "32/13", "soon") is refused with an example rather than
// dropped.
func (h *Handler) followUpIn(notes string) (string, time.Time, error) {
	for _, loc := range followUpMarker.FindAllStringIndex(notes, -1) {
		start := 0
		if i := strings.LastIndexAny(notes[:loc[0]], clauseEnd); i >= 0 {
			_, size := utf8.DecodeRuneInString(notes[i:])
			start = i + size
		}
		end := len(notes)
		if i := strings.IndexAny(notes[loc[1]:], clauseEnd); i >= 0 {
			end = loc[1] + i
		}
		before := strings.TrimSpace(notes[start:loc[0]])
		after := strings.TrimSpace(notes[loc[1]:end])
		after = strings.TrimSpace(strings.TrimPrefix(after, ":"))
		now := h.now()
		if _, _, rest, ok := h.dates.Parse(after, now); ok || hasPastDate(after, now) {
			at, err := h.followUpTime(after)
			if err != nil {
				return "", time.Time{}, err
			}
			return joinClauses(notes[:start], before, rest, notes[end:]), at, nil
		}
		if _, _, rest, ok := h.dates.Parse(before, now); (ok || hasPastDate(before, now)) && afterFiller.MatchString(after) {
			at, err := h.followUpTime(before)
			if err != nil {
				return "", time.Time{}, err
			}
			return joinClauses(notes[:start], rest, notes[end:]), at, nil
		}
		if dateish(after) || afterFiller.MatchString(after) && dateish(before) {
			return "", time.Time{}, invalid("err_follow_up_when", "when", clip(joinClauses(before, after), 40))
		}
	}
	return notes, time.Time{}, nil
}

// joinClauses joins what is left of a note around its follow-up.
func joinClauses(parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p = strings.Trim(strings.TrimSpace(p), " ,;，。；"); p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, ", ")
}

// afterFiller is what may follow a marker whose date came first: nothing,
// or the verb Hindi puts last ("कल फ़ॉलो-अप करना है").
var afterFiller = regexp.MustCompile(`^(?:(?:करना|करनी|करें|करेंगे|करो|करूंगा|करूँगा|करेंगी)\s*)?(?:है|हैं)?$`)

// dateWords are words that try to say when: digits, days, weeks, months,
// weekdays (misspelt too), "soon" and "later", in the six languages. Text
// is matched as normalWords writes it.
var dateWords = regexp.MustCompile(`[0-9]|\b(?:next|this|coming|tom+or+ow|tmrw?|today|tonight|weeks?|months?|days?|mon|monday|tues?|tues?day|wed|wednesday|thu|thurs?|thursday|fri|fr[iy]day|sat|saturday|sun|sunday|jan|january|feb|february|march|apr|april|june?|july?|aug|august|sept?|september|oct|october|nov|november|dec|december|soon|later|sometime|esok|besok|lusa|minggu|bulan|hari|depan|hadapan|isnin|selasa|rabu|khamis|kamis|jumaat|jumat|sabtu|ahad|senin|nanti|kapan\S*|jam|pukul|am|pm)\b|明天|后天|今天|下周|下个|星期|礼拜|周[一二三四五六日天]|[号日月]|以后|改天|回头|後天|下週|下個|禮拜|週[一二三四五六日天]|號|以後|回頭|कल|परसों|आज|हफ्ते|हफ्ता|सप्ताह|दिन|महीने|महीना|अगले|अगला|बाद|सोमवार|मंगलवार|बुधवार|गुरुवार|शुक्रवार|शनिवार|रविवार`)

// dateish reports words that try to say when.
func dateish(s string) bool { return dateWords.MatchString(normalWords(s)) }

// hasPastDate reports a written date that is already past, which dates.Parse
// passes over and followUpTime refuses by name.
func hasPastDate(s string, now time.Time) bool {
	_, ok := pastDate(s, now)
	return ok
}

// guessKind reads the kind from the notes when none was named.
func guessKind(notes string) crm.InteractionKind {
	for _, w := range strings.Fields(strings.ToLower(notes)) {
		w = strings.Trim(w, ",.;:!")
		switch {
		case strings.HasPrefix(w, "call") || strings.HasPrefix(w, "phon") || strings.HasPrefix(w, "telefon") || strings.HasPrefix(w, "telepon"):
			return crm.KindCall
		case strings.HasPrefix(w, "visit") || strings.HasPrefix(w, "lawat") || strings.HasPrefix(w, "kunjung"):
			return crm.KindVisit
		case strings.HasPrefix(w, "met") || strings.HasPrefix(w, "meeting"):
			return crm.KindMeeting
		case strings.HasPrefix(w, "email") || strings.HasPrefix(w, "emel"):
			return crm.KindEmail
		case strings.HasPrefix(w, "whatsapp") || strings.HasPrefix(w, "messag"):
			return crm.KindMessage
		}
	}
	switch {
	case strings.Contains(notes, "电话") || strings.Contains(notes, "電話") || strings.Contains(notes, "फ़ोन") || strings.Contains(notes, "फोन") || strings.Contains(notes, "कॉल"):
		return crm.KindCall
	case strings.Contains(notes, "拜访") || strings.Contains(notes, "拜訪") || strings.Contains(notes, "मिले") || strings.Contains(notes, "मुलाक़ात") || strings.Contains(notes, "मुलाकात"):
		return crm.KindVisit
	}
	return crm.KindNote
}

// followUpTime resolves a follow-up date in the business's zone; a date
// without a time is due at the digest hour. It must lie in the future.
func (h *Handler) followUpTime(text string) (time.Time, error) {
	now := h.now()
	if past, ok := pastDate(text, now); ok {
		return time.Time{}, invalid("err_past_when", "when", past)
	}
	t, timed, _, ok := h.dates.Parse(text, now)
	if !ok {
		return time.Time{}, invalid("err_bad_when", "when", clip(text, 40))
	}
	if !timed {
		t = time.Date(t.Year(), t.Month(), t.Day(), h.digestH, h.digestM, 0, 0, h.cfg.Location)
		if t.Before(now) && sameDay(t, now) {
			t = now.Add(time.Minute).Truncate(time.Minute)
		}
	}
	if !t.After(now) {
		return time.Time{}, invalid("err_past_when", "when", h.when(t))
	}
	return t, nil
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}
