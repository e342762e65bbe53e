package handlers

import (
	"context"
	"sort"
	"strings"
	"unicode"

	"github.com/crmbot/crmbot/crm"
)

// lostReasonOrder is crm.Lost's closed set of reasons, in the order the
// question's buttons show them.
var lostReasonOrder = []string{"price", "service", "quality", "location", "other"}

// lost: lost Tan: went to competitor X, price · lost Tan: competitor=Solar Jaya reason=service
// The buttons of its question send "lost #<id> reason=price w=1a2b3c4d".
func (h *Handler) lost(ctx context.Context, r *request) (Reply, error) {
	who, rest, _ := splitColon(r.args)
	if id, settings, ok := strings.Cut(who, " "); ok && strings.HasPrefix(id, "#") { // a button
		who, rest = id, strings.TrimSpace(settings+" "+rest)
	}
	if who == "" || rest == "" {
		return Reply{}, invalid("err_lost_form")
	}
	keys := map[string]bool{"reason": false, "competitor": true, "w": false}
	text, vals := takeKeys(rest, keys)
	if key := vals["w"]; key != "" { // the line as typed, with the reason chosen
		v, err := h.takeHeld(ctx, key)
		if err != nil {
			return Reply{}, err
		}
		text, vals = takeKeys(v.Text+" reason="+vals["reason"], keys)
		vals["w"] = key
	}
	if bad := unknownSetting(text); bad != "" {
		return Reply{}, invalid("err_lost_field")
	}
	l, err := parseLost(text, vals)
	if err != nil {
		return Reply{}, err
	}
	p, err := h.customer(ctx, r, who, func(ref string) string { return "lost " + ref + ": " + rest })
	if err != nil || p.reply != nil {
		return deref(p.reply), err
	}
	t := func(key string, args ...any) string { return h.cat.T(r.lang, key, args...) }
	if l.Reason == "" {
		key := vals["w"]
		if key == "" {
			if key, err = h.hold(ctx, held{Text: rest}); err != nil {
				return Reply{}, err
			}
		} else {
			key = "w=" + key
		}
		b := Block{Text: t("ask_lost_reason", "name", p.customer.Name)}
		if l.Competitor != "" {
			b.Fields = append(b.Fields, Field{Label: t("field_competitor"), Value: l.Competitor})
		}
		for _, reason := range lostReasonOrder {
			b.Buttons = append(b.Buttons, Button{Label: t("reason_" + reason), Command: "lost #" + string(p.customer.ID) + " reason=" + reason + " " + key})
		}
		return Reply{Blocks: []Block{b}}, nil
	}
	l.At, l.By = h.cfg.Now(), r.Staff.ID
	c, err := h.store.UpdateCustomer(ctx, p.customer.ID, crm.CustomerUpdate{Lost: l})
	if err == nil {
		h.audit(ctx, r, c.ID)
	}
	if err != nil {
		return Reply{}, err
	}
	h.dropHeld(ctx, vals["w"])
	b := Block{Text: t("lost_recorded", "name", c.Name), Fields: []Field{{Label: t("field_reason"), Value: t("reason_" + l.Reason)}}}
	if l.Competitor != "" {
		b.Fields = append(b.Fields, Field{Label: t("field_competitor"), Value: l.Competitor})
	}
	b.Buttons = []Button{{Label: t("btn_show"), Command: "show #" + string(c.ID)}}
	return Reply{Blocks: []Block{b}}, nil
}

// unknownSetting returns the first "key=value" word whose key is a plain
// word, such as "colour=red": lost takes only reason= and competitor=.
func unknownSetting(text string) string {
	for _, f := range strings.Fields(text) {
		if k, _, ok := strings.Cut(f, "="); ok && k != "" && strings.IndexFunc(k, func(r rune) bool { return !unicode.IsLetter(r) }) < 0 {
			return f
		}
	}
	return ""
}

// parseLost reads the reason and the competitor from the note, or from the
// reason= and competitor= settings. Reason is "" when the note gives none,
// or gives several, or denies one: the caller asks.
func parseLost(text string, vals map[string]string) (*crm.Lost, error) {
	l := &crm.Lost{Note: clip(text, 300), Competitor: clip(vals["competitor"], 80)}
	rest := text
	if l.Competitor == "" {
		var name string
		if name, rest = competitorIn(text); name != "" {
			l.Competitor = clip(name, 80)
		}
	}
	if v := strings.ToLower(vals["reason"]); v != "" {
		for _, reason := range lostReasonOrder {
			if v == reason {
				l.Reason = reason
				return l, nil
			}
		}
		rd := readTopic(v, func(l wordLang) wordTable { return l.lostReason })
		if rd.one() == "" || rd.unclear() {
			return nil, invalid("err_lost_reason_value", "value", clip(v, 20))
		}
		l.Reason = rd.one()
		return l, nil
	}
	rd := readTopic(rest, func(l wordLang) wordTable { return l.lostReason })
	if !rd.unclear() {
		l.Reason = rd.one()
	}
	return l, nil
}

// competitorStops end a competitor's name: what follows is the reason.
var competitorStops = map[string]bool{
	"because": true, "as": true, "for": true, "due": true, "since": true, "kerana": true, "karena": true,
	"sebab": true, "kerna": true, "krn": true, "karna": true, "with": true, "dengan": true, "yang": true,
	"क्योंकि": true, "因为": true, "因為": true,
}

// competitorIn finds the competitor a note names ("went to competitor Solar
// Jaya", "pindah ke pesaing Sumber Makmur", "转去了 XX", "XX के पास चला
// गया") and returns it with the note less the phrase and the name, so
// "moved to" does not read as the reason "location".
func competitorIn(text string) (name, rest string) {
	for _, part := range strings.FieldsFunc(text, func(r rune) bool { return strings.ContainsRune(",.;!?，。；！？、\n", r) }) {
		low := strings.ToLower(part)
		if len(low) != len(part) {
			continue // a letter whose lower case has another length: leave it
		}
		for _, w := range competitorPhrases() {
			{
				i := wordsAt(low, w)
				if i < 0 {
					continue
				}
				after := strings.TrimSpace(part[i+len(w):])
				var kept []string
				for _, f := range strings.Fields(after) {
					if competitorStops[strings.ToLower(f)] {
						break
					}
					kept = append(kept, f)
				}
				if len(kept) > 0 {
					n := strings.Join(kept, " ")
					return n, strings.TrimSpace(strings.Replace(text, part, part[:i]+strings.TrimPrefix(after, n), 1))
				}
			}
		}
		for _, code := range languageOrder {
			for _, w := range languages[code].competitorAt {
				if i := wordsAt(low, w); i > 0 {
					n := strings.TrimSpace(part[:i])
					if f := strings.Fields(n); len(f) > 3 {
						n = strings.Join(f[len(f)-3:], " ")
					}
					return n, strings.TrimSpace(strings.Replace(text, part, part[i+len(w):], 1))
				}
			}
		}
	}
	return "", text
}

// competitorPhrases lists the words before a competitor's name in every
// language, longest first, so "went to competitor X" is not read as
// "went to" a competitor called "competitor X".
func competitorPhrases() []string {
	var out []string
	for _, code := range languageOrder {
		out = append(out, languages[code].competitor...)
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// wordsAt is the byte offset of phrase w in low as whole words (anywhere in
// Han text), or -1.
func wordsAt(low, w string) int {
	for from := 0; from < len(low); {
		i := strings.Index(low[from:], w)
		if i < 0 {
			return -1
		}
		i += from
		if isHan(w) || wordEdge(low, i) && wordEdge(low, i+len(w)) {
			return i
		}
		from = i + 1
	}
	return -1
}

// wordEdge reports whether byte offset i of s starts or ends a word.
func wordEdge(s string, i int) bool {
	if i == 0 || i == len(s) {
		return true
	}
	before := []rune(s[:i])
	after := []rune(s[i:])
	return before[len(before)-1] == ' ' || after[0] == ' '
}
