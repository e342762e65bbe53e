package handlers

import (
	"context"
	"regexp"
	"strings"
	"time"

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

// followUpMarker starts the follow-up part of a log line, in the catalogue languages.
var followUpMarker = regexp.MustCompile(`(?i)[,.;]?\s*(follow[ -]?up|susulan|susul|tindak lanjut|hubungi semula|跟进|跟進|फॉलो अप)\s*`)

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
	notes, campaign := text, ""
	if head, kvs := splitKV(text); len(kvs) > 0 {
		for _, x := range kvs {
			if x.key != "campaign" {
				return Reply{}, invalid("err_unknown_field", "key", x.key)
			}
			var rest string
			campaign, rest = campaignValue(x.value)
			head = strings.TrimSpace(head + " " + rest)
		}
		notes = head
	}
	var follow time.Time
	if loc := followUpMarker.FindStringIndex(notes); loc != nil {
		when := notes[loc[1]:]
		at, err := h.followUpTime(when)
		if err != nil {
			return Reply{}, err
		}
		follow, notes = at, strings.TrimSpace(notes[:loc[0]])
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
	case strings.Contains(notes, "电话"):
		return crm.KindCall
	case strings.Contains(notes, "拜访"):
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
