package handlers

import (
	"testing"
)

// TestWords reads notes in each language for each field, negations and
// contradictions included. "?" wants a question (unclear), "" nothing said.
func TestWords(t *testing.T) {
	resolution := func(s string) string {
		rd := read(s, func(l wordLang) wordTable { return l.resolution })
		if rd.unclear() {
			return "?"
		}
		return rd.one()
	}
	satisfied := func(s string) string {
		v, unclear := readSatisfied(s)
		if unclear {
			return "?"
		}
		return v
	}
	reason := func(s string) string {
		rd := readTopic(s, func(l wordLang) wordTable { return l.lostReason })
		if rd.unclear() {
			return "?"
		}
		return rd.one()
	}
	tests := []struct {
		lang, field, in, want string
		read                  func(string) string
	}{
		{"en", "resolution", "replaced the inverter", "replacement", resolution},
		{"en", "resolution", "not replaced", "?", resolution},
		{"en", "resolution", "refunded in full", "refund", resolution},
		{"en", "resolution", "no refund given", "?", resolution},
		{"en", "resolution", "repaired on site", "fixed", resolution},
		{"en", "resolution", "replaced and refunded", "?", resolution},
		{"en", "resolution", "explained usage", "", resolution},
		{"en", "satisfied", "customer happy", "yes", satisfied},
		{"en", "satisfied", "customer not happy", "no", satisfied},
		{"en", "satisfied", "customer not very happy", "no", satisfied},
		{"en", "satisfied", "customer unhappy", "no", satisfied},
		{"en", "satisfied", "happy, but unhappy", "?", satisfied},
		{"en", "satisfied", "not unhappy", "?", satisfied},
		{"en", "satisfied", "replaced", "", satisfied},
		{"en", "reason", "cheaper elsewhere", "price", reason},
		{"en", "reason", "not because of price", "?", reason},
		{"en", "reason", "moved away", "location", reason},
		{"en", "reason", "shop closed", "other", reason},
		{"en", "reason", "price and service", "?", reason},
		{"ms", "resolution", "sudah diganti", "replacement", resolution},
		{"ms", "resolution", "belum diganti", "?", resolution},
		{"ms", "resolution", "tak ganti", "?", resolution},
		{"ms", "resolution", "x tukar lagi", "?", resolution},
		{"ms", "resolution", "bayar balik penuh", "refund", resolution},
		{"ms", "resolution", "dibaiki di kedai", "fixed", resolution},
		{"ms", "satisfied", "pelanggan berpuas hati", "yes", satisfied},
		{"ms", "satisfied", "pelanggan tidak berpuas hati", "no", satisfied},
		{"ms", "satisfied", "tak puas", "no", satisfied},
		{"ms", "satisfied", "tidak berapa puas", "no", satisfied},
		{"ms", "reason", "harga lebih murah", "price", reason},
		{"ms", "reason", "kedai tutup", "other", reason},
		{"id", "resolution", "tidak diganti", "?", resolution},
		{"id", "resolution", "pengembalian dana", "refund", resolution},
		{"id", "resolution", "sudah diperbaiki", "fixed", resolution},
		{"id", "satisfied", "pelanggan kurang puas", "no", satisfied},
		{"id", "satisfied", "pelanggan puas", "yes", satisfied},
		{"id", "satisfied", "pelanggan kecewa", "no", satisfied},
		{"id", "reason", "layanan lambat", "service", reason},
		{"id", "reason", "kualitas jelek", "quality", reason},
		{"zh-Hans", "resolution", "已更换", "replacement", resolution},
		{"zh-Hans", "resolution", "没有换", "?", resolution},
		{"zh-Hans", "resolution", "还没换", "?", resolution},
		{"zh-Hans", "resolution", "已退款", "refund", resolution},
		{"zh-Hans", "resolution", "修好了", "fixed", resolution},
		{"zh-Hans", "satisfied", "客户满意", "yes", satisfied},
		{"zh-Hans", "satisfied", "客户不满意", "no", satisfied},
		{"zh-Hans", "satisfied", "客户不太满意", "no", satisfied},
		{"zh-Hans", "reason", "价格便宜", "price", reason},
		{"zh-Hans", "reason", "搬家了", "location", reason},
		{"zh-Hant", "resolution", "沒換", "?", resolution},
		{"zh-Hant", "resolution", "已更換", "replacement", resolution},
		{"zh-Hant", "resolution", "維修完成", "fixed", resolution},
		{"zh-Hant", "satisfied", "不太滿意", "no", satisfied},
		{"zh-Hant", "satisfied", "客戶滿意", "yes", satisfied},
		{"zh-Hant", "reason", "品質不好", "quality", reason},
		{"hi", "resolution", "नहीं बदला", "?", resolution},
		{"hi", "resolution", "बदला नहीं", "?", resolution},
		{"hi", "resolution", "इन्वर्टर बदल दिया", "replacement", resolution},
		{"hi", "resolution", "पैसे वापस कर दिए", "refund", resolution},
		{"hi", "resolution", "ठीक कर दिया", "fixed", resolution},
		{"hi", "satisfied", "ग्राहक खुश नहीं", "no", satisfied},
		{"hi", "satisfied", "ग्राहक ख़ुश है", "yes", satisfied},
		{"hi", "satisfied", "ग्राहक असंतुष्ट", "no", satisfied},
		{"hi", "satisfied", "ग्राहक संतुष्ट", "yes", satisfied},
		{"hi", "reason", "सेवा अच्छी नहीं थी", "service", reason},
		{"hi", "reason", "वहाँ सस्ता मिला", "price", reason},
	}
	for _, tt := range tests {
		t.Run(tt.lang+"/"+tt.field+"/"+tt.in, func(t *testing.T) {
			if got := tt.read(tt.in); got != tt.want {
				t.Errorf("%s of %q = %q, want %q", tt.field, tt.in, got, tt.want)
			}
		})
	}
}

func TestCompetitorIn(t *testing.T) {
	tests := []struct{ in, name, rest string }{
		{"went to competitor Solar Jaya", "Solar Jaya", ""},
		{"went to competitor Solar Jaya because cheaper", "Solar Jaya", "because cheaper"},
		{"pindah ke pesaing Sumber Makmur, harga lebih murah", "Sumber Makmur", ", harga lebih murah"},
		{"beralih ke Toko Maju", "Toko Maju", ""},
		{"转去了 阳光电力，价格便宜", "阳光电力", "，价格便宜"},
		{"Sharma Traders के पास चला गया", "Sharma Traders", ""},
		{"moved to Penang", "", "moved to Penang"},
		{"price", "", "price"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			name, rest := competitorIn(tt.in)
			if name != tt.name || rest != tt.rest {
				t.Errorf("competitorIn(%q) = %q, %q; want %q, %q", tt.in, name, rest, tt.name, tt.rest)
			}
		})
	}
}

func TestTakeKeys(t *testing.T) {
	keys := map[string]bool{"campaign": false, "competitor": true}
	tests := []struct{ in, text, campaign, competitor string }{
		{"size=XL ordered", "size=XL ordered", "", ""},
		{"called campaign=raya-2026 follow up", "called follow up", "raya-2026", ""},
		{"competitor=Solar Jaya campaign=x", "", "x", "Solar Jaya"},
		{"CAMPAIGN=Raya", "", "Raya", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			text, vals := takeKeys(tt.in, keys)
			if text != tt.text || vals["campaign"] != tt.campaign || vals["competitor"] != tt.competitor {
				t.Errorf("takeKeys(%q) = %q, %v", tt.in, text, vals)
			}
		})
	}
}
