package handlers

import (
	"sort"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Words: how free-text notes are read for the few fields that are saved from
// them (a complaint's resolution and the customer's satisfaction, the reason
// a customer was lost). Each language has its own table; a note is matched
// against all of them, since staff mix languages in one line.
//
// A note is cut into clauses at punctuation. In a clause, a word written with
// spaces between words (Latin, Devanagari) matches whole words; Han text has
// no spaces, so there a word matches anywhere. A word is negated when a
// negation of its language stands next to it in the same clause: before it
// in English, Malay, Indonesian and Chinese ("not replaced", "belum diganti",
// "没有换"), before or after it in Hindi ("नहीं बदला", "खुश नहीं").

// wordTable is one language's words for the values of one field. A Latin
// entry may start or end with "*" to match inside a word ("*ganti*" matches
// "diganti" and "penggantian").
type wordTable map[string][]string

// wordLang holds one language's tables and its negations.
type wordLang struct {
	resolution   wordTable // crm.Resolution values
	satisfied    wordTable // "yes", "no"
	lostReason   wordTable // crm.Lost reasons
	negations    []string
	negateAfter  bool     // negations also follow the word (Hindi)
	competitor   []string // words before a competitor's name
	competitorAt []string // words after it ("XX के पास")
}

// languages are the word tables, by catalogue language.
var languages = map[string]wordLang{
	"en": {
		resolution: wordTable{
			"replacement": {"replac*", "swap*", "exchang*", "new unit", "new one"},
			"refund":      {"refund*", "money back", "reimburs*", "paid back"},
			"fixed":       {"fix", "fixed", "fixing", "repair*", "mended", "serviced"},
		},
		satisfied: wordTable{
			"yes": {"satisfied", "happy", "pleased"},
			"no":  {"unhappy", "dissatisfied", "unsatisfied", "angry", "upset", "disappointed"},
		},
		lostReason: wordTable{
			"price":    {"price*", "pricing", "expensive", "cheap*", "cost*", "discount*"},
			"service":  {"service", "support", "slow", "rude", "late", "delivery"},
			"quality":  {"quality", "broken", "defect*", "faulty"},
			"location": {"location", "moved", "relocat*", "far", "move"},
			"other":    {"closed", "shut", "bankrupt*", "retired", "passed away"},
		},
		negations:  []string{"not", "no", "never", "didn't", "didnt", "wasn't", "wasnt", "isn't", "isnt", "hasn't", "haven't", "won't", "can't", "cannot", "couldn't", "without"},
		competitor: []string{"went to competitor", "switched to", "went to", "competitor", "now buys from", "buys from"},
	},
	"ms": {
		resolution: wordTable{
			"replacement": {"*ganti*", "*tukar*"},
			"refund":      {"bayar balik", "pulang wang", "pulangkan wang", "wang dikembalikan", "refund*"},
			"fixed":       {"*baiki*", "dibaik pulih", "baik pulih", "servis"},
		},
		satisfied: wordTable{
			"yes": {"puas", "puas hati", "berpuas hati", "gembira", "senang hati"},
			"no":  {"kecewa", "marah", "geram"},
		},
		lostReason: wordTable{
			"price":    {"harga", "mahal", "murah", "*murah"},
			"service":  {"servis", "perkhidmatan", "lambat"},
			"quality":  {"kualiti", "rosak"},
			"location": {"lokasi", "jauh", "berpindah", "pindah rumah", "pindah kedai"},
			"other":    {"tutup", "tutup kedai", "bankrap", "bersara"},
		},
		negations:  []string{"tidak", "tak", "belum", "bukan", "tiada", "kurang", "tanpa", "gagal", "x"},
		competitor: []string{"pindah ke pesaing", "beralih ke pesaing", "pergi ke pesaing", "pesaing", "saingan", "beralih ke", "tukar ke", "pergi ke"},
	},
	"id": {
		resolution: wordTable{
			"replacement": {"*ganti*", "*tukar*"},
			"refund":      {"pengembalian dana", "uang kembali", "uangnya dikembalikan", "dana dikembalikan", "refund*"},
			"fixed":       {"*perbaiki*", "perbaikan", "*betulkan*", "beres"},
		},
		satisfied: wordTable{
			"yes": {"puas", "senang", "happy"},
			"no":  {"kecewa", "marah", "kesal"},
		},
		lostReason: wordTable{
			"price":    {"harga", "mahal", "murah", "*murah", "diskon"},
			"service":  {"layanan", "pelayanan", "lambat", "lelet"},
			"quality":  {"kualitas", "mutu", "rusak", "cacat"},
			"location": {"lokasi", "jauh", "pindah rumah", "pindah kota"},
			"other":    {"tutup", "bangkrut", "pensiun"},
		},
		negations:  []string{"tidak", "tak", "belum", "bukan", "tanpa", "kurang", "gagal", "enggak", "nggak", "gak", "ga"},
		competitor: []string{"pindah ke pesaing", "beralih ke pesaing", "pesaing", "kompetitor", "beralih ke"},
	},
	"zh-Hans": {
		resolution: wordTable{
			"replacement": {"换", "更换", "换新", "换货"},
			"refund":      {"退款", "退钱", "退了钱"},
			"fixed":       {"修好", "维修", "修理", "修复", "修了", "搞定"},
		},
		satisfied: wordTable{
			"yes": {"满意", "开心", "高兴"},
			"no":  {"不满", "生气", "失望", "投诉升级"},
		},
		lostReason: wordTable{
			"price":    {"价格", "太贵", "便宜", "价钱", "报价"},
			"service":  {"服务", "售后", "太慢"},
			"quality":  {"质量", "坏了", "故障"},
			"location": {"搬家", "搬走", "太远", "位置"},
			"other":    {"倒闭", "关门", "退休"},
		},
		negations:  []string{"没有", "没", "不", "未", "无", "别", "还没"},
		competitor: []string{"转去了", "转到了", "转到", "去了竞争对手", "竞争对手", "换成了", "改用"},
	},
	"zh-Hant": {
		resolution: wordTable{
			"replacement": {"換", "更換", "換新", "換貨"},
			"refund":      {"退款", "退錢", "退了錢"},
			"fixed":       {"修好", "維修", "修理", "修復", "修了", "搞定"},
		},
		satisfied: wordTable{
			"yes": {"滿意", "開心", "高興"},
			"no":  {"不滿", "生氣", "失望"},
		},
		lostReason: wordTable{
			"price":    {"價格", "太貴", "便宜", "價錢", "報價"},
			"service":  {"服務", "售後", "太慢"},
			"quality":  {"質量", "品質", "壞了", "故障"},
			"location": {"搬家", "搬走", "太遠", "位置"},
			"other":    {"倒閉", "關門", "退休"},
		},
		negations:  []string{"沒有", "沒", "不", "未", "無", "別", "還沒"},
		competitor: []string{"轉去了", "轉到了", "轉到", "去了競爭對手", "競爭對手", "換成了", "改用"},
	},
	"hi": {
		resolution: wordTable{
			"replacement": {"बदला", "बदल दिया", "बदली", "रिप्लेस", "नया दिया", "नया दे दिया"},
			"refund":      {"रिफंड", "पैसे वापस", "पैसा वापस", "रकम वापस"},
			"fixed":       {"ठीक किया", "ठीक कर दिया", "ठीक हो गया", "मरम्मत", "रिपेयर"},
		},
		satisfied: wordTable{
			"yes": {"संतुष्ट", "खुश", "प्रसन्न"},
			"no":  {"असंतुष्ट", "नाराज", "नाखुश", "दुखी"},
		},
		lostReason: wordTable{
			"price":    {"कीमत", "दाम", "महंगा", "महँगा", "सस्ता", "सस्ते"},
			"service":  {"सेवा", "सर्विस"},
			"quality":  {"गुणवत्ता", "क्वालिटी", "खराब"},
			"location": {"दूर", "शिफ्ट", "स्थान"},
			"other":    {"बंद"},
		},
		negations:    []string{"नहीं", "न", "ना", "बिना"},
		negateAfter:  true,
		competitorAt: []string{"के पास चला गया", "के पास चली गई", "के पास गया", "से खरीदता है", "से खरीदने लगा"},
	},
}

// languageOrder fixes the order tables are read in, so results never depend
// on map order.
var languageOrder = []string{"en", "ms", "id", "zh-Hans", "zh-Hant", "hi"}

// hit is one value a note names, negated or not.
type hit struct {
	value   string
	negated bool
}

// reading is what a note says of one field: the values it names and the
// values it names only to deny them.
type reading struct{ said, denied []string }

// one returns the single value the note names, or "" when it names none or
// several.
func (r reading) one() string {
	if len(r.said) == 1 {
		return r.said[0]
	}
	return ""
}

// unclear reports a note that names several values or denies one without
// naming another: a question, not a guess.
func (r reading) unclear() bool {
	return len(r.said) > 1 || len(r.said) == 0 && len(r.denied) > 0
}

// read reads one field from text with the table pick chooses.
func read(text string, pick func(wordLang) wordTable) reading {
	return readAs(text, pick, false)
}

// readTopic reads a field whose words name a topic rather than claim
// something (a lost reason: "सेवा अच्छी नहीं थी" is about service), so a
// negation after the word, as in Hindi, is about the topic, not the word.
func readTopic(text string, pick func(wordLang) wordTable) reading {
	return readAs(text, pick, true)
}

func readAs(text string, pick func(wordLang) wordTable, topic bool) reading {
	var r reading
	add := func(list *[]string, v string) {
		for _, x := range *list {
			if x == v {
				return
			}
		}
		*list = append(*list, v)
	}
	for _, h := range hits(text, pick, topic) {
		if h.negated {
			add(&r.denied, h.value)
		} else {
			add(&r.said, h.value)
		}
	}
	// A value both said and denied ("not replaced yet, will replace") is
	// unclear: keep it on both lists so one() fails and unclear() holds.
	return r
}

// readSatisfied turns satisfaction words into yes or no: a denied "happy" is
// a no, a denied "unhappy" is unclear.
func readSatisfied(text string) (value string, unclear bool) {
	r := read(text, func(l wordLang) wordTable { return l.satisfied })
	yes, no := false, false
	for _, v := range r.said {
		yes = yes || v == "yes"
		no = no || v == "no"
	}
	for _, v := range r.denied {
		if v == "yes" {
			no = true
		} else {
			return "", true
		}
	}
	switch {
	case yes && no:
		return "", true
	case yes:
		return "yes", false
	case no:
		return "no", false
	}
	return "", false
}

// hits finds every word of the chosen tables in text.
func hits(text string, pick func(wordLang) wordTable, topic bool) []hit {
	var out []hit
	for _, cl := range clauses(text) {
		for _, code := range languageOrder {
			lang := languages[code]
			for value, words := range pick(lang) {
				for _, w := range words {
					for _, at := range cl.find(w) {
						out = append(out, hit{value: value, negated: cl.negated(at, lang, topic)})
					}
				}
			}
		}
	}
	// The tables are maps: sort, so their order never shows in a result.
	sort.SliceStable(out, func(i, j int) bool { return out[i].value < out[j].value })
	return out
}

// clause is a run of text between punctuation, in normal form.
type clause struct {
	text  string   // for Han matching
	words []string // for spaced scripts
}

// span is where a word was found: a word index, or a byte offset in Han text.
type span struct {
	han        bool
	start, end int // words[start:end], or text[start:end]
}

// normalWords lower-cases text and writes Devanagari without the nukta
// ("फ़ॉलो" and "फॉलो", "ख़ुश" and "खुश" are spelled both ways), so tables
// need one spelling.
func normalWords(s string) string {
	s = norm.NFD.String(strings.ToLower(s))
	s = strings.ReplaceAll(s, "\u093c", "")
	s = strings.NewReplacer("’", "'", "‘", "'").Replace(s)
	return norm.NFC.String(s)
}

// clauses cuts text at punctuation and at "but"-like words, which turn the
// sense of what follows ("replaced, but not happy").
func clauses(text string) []clause {
	var out []clause
	for _, part := range strings.FieldsFunc(normalWords(text), func(r rune) bool {
		return strings.ContainsRune(",.;!?:()[]，。；！？、：（）|\n", r)
	}) {
		var words []string
		for _, w := range strings.Fields(part) {
			switch w {
			case "but", "tetapi", "tapi", "namun", "लेकिन", "पर":
				if len(words) > 0 {
					out = append(out, clause{text: strings.Join(words, " "), words: words})
				}
				words = nil
				continue
			}
			words = append(words, strings.Trim(w, `"'“”`))
		}
		if len(words) > 0 {
			out = append(out, clause{text: strings.Join(words, " "), words: words})
		}
	}
	return out
}

// isHan reports whether w is written in Han characters.
func isHan(w string) bool {
	for _, r := range w {
		return unicode.Is(unicode.Han, r)
	}
	return false
}

// find returns where w occurs in the clause.
func (c clause) find(w string) []span {
	if isHan(w) {
		var out []span
		for from := 0; ; {
			i := strings.Index(c.text[from:], w)
			if i < 0 {
				return out
			}
			out = append(out, span{han: true, start: from + i, end: from + i + len(w)})
			from += i + len(w)
		}
	}
	prefix, suffix := strings.HasSuffix(w, "*"), strings.HasPrefix(w, "*")
	parts := strings.Fields(strings.Trim(w, "*"))
	var out []span
	for i := 0; i+len(parts) <= len(c.words); i++ {
		ok := true
		for j, p := range parts {
			got := c.words[i+j]
			switch {
			case j == len(parts)-1 && prefix && suffix:
				ok = strings.Contains(got, p)
			case j == len(parts)-1 && prefix:
				ok = strings.HasPrefix(got, p)
			case j == 0 && suffix:
				ok = strings.HasSuffix(got, p)
			default:
				ok = got == p
			}
			if !ok {
				break
			}
		}
		if ok {
			out = append(out, span{start: i, end: i + len(parts)})
		}
	}
	return out
}

// negated reports whether a negation stands next to the word at s: up to
// two words before it (three characters in Han text), or, in a language
// that puts it after (Hindi), up to two words after it. Negations of every
// language count, since "no" in "no refund" negates the Malay table's
// "refund" as much as the English one's.
func (c clause) negated(s span, lang wordLang, topic bool) bool {
	if s.han {
		before := []rune(c.text[:s.start])
		if len(before) > 3 {
			before = before[len(before)-3:]
		}
		for _, n := range allNegations() {
			if isHan(n) && strings.Contains(string(before), n) {
				return true
			}
		}
		return false
	}
	isNeg := func(w string) bool {
		for _, n := range allNegations() {
			if w == n {
				return true
			}
		}
		return false
	}
	for i, seen := s.start-1, 0; i >= 0 && seen < 2; i-- {
		if isNeg(c.words[i]) {
			return true
		}
		if !negationFiller[c.words[i]] {
			seen++
		}
	}
	if lang.negateAfter && !topic {
		for i := s.end; i < min(len(c.words), s.end+2); i++ {
			if isNeg(c.words[i]) {
				return true
			}
		}
	}
	return false
}

// negationFiller are words that may stand between a negation and what it
// negates without counting toward the distance: "not because of price",
// "tidak terlalu puas", "not very happy".
var negationFiller = map[string]bool{
	"because": true, "of": true, "due": true, "to": true, "very": true, "really": true, "too": true, "so": true, "yet": true,
	"karena": true, "kerana": true, "sebab": true, "sangat": true, "terlalu": true, "begitu": true, "berapa": true, "lagi": true,
	"बहुत": true, "ज़्यादा": true, "ज्यादा": true,
}

// allNegations lists the negations of every language.
func allNegations() []string {
	var out []string
	for _, code := range languageOrder {
		out = append(out, languages[code].negations...)
	}
	return out
}
