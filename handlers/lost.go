package handlers

import (
	"context"
	"strings"

	"github.com/crmbot/crmbot/crm"
)

// lostReasons maps words people use, in the six languages, to the reasons
// the digest and `report lost` count.
var lostReasons = map[string][]string{
	"price":    {"price", "pricing", "expensive", "cheaper", "cost", "harga", "mahal", "murah", "价格", "價格", "太贵", "太貴", "便宜", "कीमत", "दाम", "महंगा", "सस्ता"},
	"service":  {"service", "support", "slow", "servis", "perkhidmatan", "layanan", "pelayanan", "服务", "服務", "सेवा"},
	"quality":  {"quality", "broken", "defect", "kualiti", "kualitas", "mutu", "质量", "品質", "質量", "गुणवत्ता"},
	"location": {"location", "moved", "relocated", "far", "lokasi", "pindah", "jauh", "搬", "位置", "太远", "太遠", "स्थान", "दूर"},
}

// competitorWords introduce the competitor's name: "went to competitor X",
// "pindah ke pesaing X", "去了竞争对手X".
var competitorWords = []string{"competitor", "went to", "switched to", "moved to", "pesaing", "saingan", "kompetitor", "pindah ke", "竞争对手", "競爭對手", "प्रतिस्पर्धी"}

// lost: lost Tan: went to competitor X, price · lost Tan: competitor=Solar Jaya reason=service
func (h *Handler) lost(ctx context.Context, r *request) (Reply, error) {
	who, rest, _ := splitColon(r.args)
	if who == "" || rest == "" {
		return Reply{}, invalid("err_lost_form")
	}
	l := parseLost(rest)
	if l == nil {
		return Reply{}, invalid("err_lost_field")
	}
	p, err := h.customer(ctx, r, who, func(ref string) string { return "lost " + ref + ": " + rest })
	if err != nil || p.reply != nil {
		return deref(p.reply), err
	}
	l.At, l.By = h.cfg.Now(), r.Staff.ID
	c, err := h.store.UpdateCustomer(ctx, p.customer.ID, crm.CustomerUpdate{Lost: l})
	if err != nil {
		return Reply{}, err
	}
	t := func(key string, args ...any) string { return h.cat.T(r.lang, key, args...) }
	b := Block{Text: t("lost_recorded", "name", c.Name), Fields: []Field{{Label: t("field_reason"), Value: t("reason_" + l.Reason)}}}
	if l.Competitor != "" {
		b.Fields = append(b.Fields, Field{Label: t("field_competitor"), Value: l.Competitor})
	}
	b.Buttons = []Button{{Label: t("btn_show"), Command: "show #" + string(c.ID)}}
	return Reply{Blocks: []Block{b}}, nil
}

// parseLost reads the reason and competitor from free text or from
// reason= and competitor= settings; nil when a setting is unknown.
func parseLost(s string) *crm.Lost {
	head, kvs := splitKV(s)
	l := &crm.Lost{Note: clip(s, 300)}
	for _, x := range kvs {
		switch x.key {
		case "reason":
			l.Reason = reasonOf(x.value)
			if l.Reason == "" {
				l.Reason = "other"
			}
		case "competitor":
			l.Competitor = clip(x.value, 80)
		default:
			return nil
		}
	}
	for _, part := range strings.FieldsFunc(head, func(r rune) bool { return r == ',' || r == ';' || r == '，' || r == '、' }) {
		part = strings.TrimSpace(part)
		if l.Competitor == "" {
			low := strings.ToLower(part)
			for _, w := range competitorWords {
				if i := strings.Index(low, w); i >= 0 {
					name := strings.TrimSpace(part[i+len(w):])
					for _, again := range competitorWords { // "went to competitor X"
						if j := strings.Index(strings.ToLower(name), again); j == 0 {
							name = strings.TrimSpace(name[len(again):])
						}
					}
					if name != "" {
						l.Competitor = clip(name, 80)
						break
					}
				}
			}
		}
		if l.Reason == "" {
			l.Reason = reasonOf(part)
		}
	}
	if l.Reason == "" {
		l.Reason = "other"
	}
	return l
}

// reasonOf finds a reason word in s, or "".
func reasonOf(s string) string {
	low := strings.ToLower(s)
	for _, reason := range []string{"price", "service", "quality", "location"} {
		for _, w := range lostReasons[reason] {
			if containsWord(low, w) {
				return reason
			}
		}
	}
	return ""
}

// containsWord matches w as a whole word in Latin text and anywhere in
// scripts written without spaces.
func containsWord(s, w string) bool {
	if w[0] >= 0x80 {
		return strings.Contains(s, w)
	}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '.' || r == '!' || r == '=' }) {
		if f == w {
			return true
		}
	}
	return false
}
