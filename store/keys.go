package store

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/longbridgeapp/opencc"
	"golang.org/x/text/unicode/norm"

	"github.com/crmbot/crmbot/crm"
)

// Lookup keys. Every lookup that must be fast on the embedded store goes
// through a document in the keys collection whose _id is the key (DESIGN §5).
// Customer keys list the customers holding them:
//
//	p:+60123456789    a phone in E.164
//	ps:456789         the last 6 digits of a phone, for a number half remembered
//	e:siti@example.my an e-mail
//	ed:example.my     the domain of an e-mail (not of the big free-mail services)
//	w:nurhaliza       a word of a name, company, former name or e-mail (Han: each character too)
//
// Han text is keyed and looked up in Simplified characters, so 陳 finds 陈
// and the other way round. A customer's former names are the names of the
// customers merged into it.
//
// Vocabulary keys list words, not customers, so they are written once per
// distinct word rather than once per customer:
//
//	x:nurh            words with this prefix (3 to maxPrefix characters)
//	d:nurhalia        words that give this with one character deleted, for one-typo matches
const (
	keyPhone       = "p:"
	keyPhoneSuffix = "ps:"
	keyEmail       = "e:"
	keyEmailDomain = "ed:"
	keyWord        = "w:"
	keyPrefix      = "x:"
	keyDelete      = "d:"

	// minPhoneDigits is the fewest last digits of a phone that find looks
	// up (the six of phone.Looks): fewer match too many customers to mean
	// one. A phone is keyed by that many last digits only, and a longer
	// query reads the same key and keeps the customers whose phone ends
	// with all of it: one key per phone instead of one per length.
	minPhoneDigits = 6

	maxPrefix  = 8
	minTypoLen = 4  // shorter words would match too much with one typo
	maxWordLen = 40 // longer words are not indexed beyond this
)

// fold lower-cases s, strips accents from Latin letters, so "José" and
// "jose" meet, and writes Han characters in Simplified, so "陳" and "陈"
// meet; marks on other scripts (Devanagari vowel signs) are kept, since
// there they change the word.
func fold(s string) string {
	d := norm.NFD.String(strings.ToLower(s))
	var b strings.Builder
	b.Grow(len(d))
	latinBase := false
	for _, r := range d {
		if unicode.Is(unicode.Mn, r) {
			if latinBase {
				continue
			}
		} else {
			latinBase = unicode.Is(unicode.Latin, r)
		}
		if unicode.Is(unicode.Han, r) {
			b.WriteString(simplified(r))
			continue
		}
		b.WriteRune(r)
	}
	return norm.NFC.String(b.String())
}

// toSimplified is OpenCC's Traditional to Simplified converter, its
// dictionaries built once on first use (they are embedded in the binary,
// nothing is downloaded). It is read-only once built.
var toSimplified = sync.OnceValues(func() (*opencc.OpenCC, error) { return opencc.New("t2s") })

// simplified returns one Han character in Simplified script. Each character
// is converted alone, not as part of a phrase, so a character keys the same
// in every name and in a query of that character only.
func simplified(r rune) string {
	cc, err := toSimplified()
	if err != nil {
		return string(r) // the embedded dictionaries are part of the build: cannot fail at run time
	}
	s, err := cc.Convert(string(r))
	if err != nil || utf8.RuneCountInString(s) != 1 {
		return string(r)
	}
	return s
}

// words splits folded text into words; a run of Han characters is a word and
// so is each of its characters, since Chinese names are looked up by one.
func words(s string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(w string) {
		if w == "" || seen[w] {
			return
		}
		if utf8.RuneCountInString(w) > maxWordLen {
			w = string([]rune(w)[:maxWordLen])
		}
		seen[w] = true
		out = append(out, w)
	}
	for _, f := range strings.FieldsFunc(fold(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r) && !unicode.Is(unicode.Mc, r)
	}) {
		var han []rune
		var rest []rune
		flush := func() {
			if len(rest) > 0 {
				add(string(rest))
				rest = rest[:0]
			}
			if len(han) > 0 {
				add(string(han))
				for _, r := range han {
					add(string(r))
				}
				han = han[:0]
			}
		}
		for _, r := range f {
			if unicode.Is(unicode.Han, r) {
				if len(rest) > 0 {
					add(string(rest))
					rest = rest[:0]
				}
				han = append(han, r)
				continue
			}
			if len(han) > 0 {
				flush()
			}
			rest = append(rest, r)
		}
		flush()
	}
	return out
}

func isHan(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.Is(unicode.Han, r)
}

// deletions returns w with each one character removed.
func deletions(w string) []string {
	rs := []rune(w)
	out := make([]string, 0, len(rs))
	seen := map[string]bool{}
	for i := range rs {
		v := string(rs[:i]) + string(rs[i+1:])
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// vocabKeys are the vocabulary keys of one word: its prefixes and its
// one-deletion variants. Han words have none: they are found by character.
func vocabKeys(w string) []string {
	if isHan(w) {
		return nil
	}
	rs := []rune(w)
	var keys []string
	for n := 3; n < len(rs) && n <= maxPrefix; n++ {
		keys = append(keys, keyPrefix+string(rs[:n]))
	}
	if len(rs) >= minTypoLen {
		for _, d := range deletions(w) {
			keys = append(keys, keyDelete+d)
		}
	}
	return keys
}

// customerKeys returns the customer keys of a customer, without repeats.
func customerKeys(c *crm.Customer) []string {
	var keys []string
	seen := map[string]bool{}
	add := func(k string) {
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	for _, p := range c.Phones {
		add(keyPhone + p)
		if len(p) > minPhoneDigits {
			add(keyPhoneSuffix + p[len(p)-minPhoneDigits:])
		}
	}
	for _, e := range c.Emails {
		add(keyEmail + e)
		local, domain, ok := strings.Cut(e, "@")
		if !ok {
			continue
		}
		for _, w := range words(local) {
			add(keyWord + w)
		}
		if d := fold(domain); d != "" && !freeMail(d) {
			add(keyEmailDomain + d)
		}
	}
	for _, w := range nameWords(c) {
		add(keyWord + w)
	}
	return keys
}

// freeMail reports whether domain is a free-mail service: its customers
// share nothing, and its key would list a large share of all customers, a
// document rewritten whole on every customer added.
func freeMail(domain string) bool {
	switch domain {
	case "gmail.com", "googlemail.com", "yahoo.com", "ymail.com", "rocketmail.com",
		"yahoo.com.my", "yahoo.co.id", "yahoo.com.sg", "yahoo.com.tw", "yahoo.com.hk", "yahoo.co.in", "yahoo.co.th",
		"hotmail.com", "hotmail.my", "outlook.com", "live.com", "msn.com",
		"icloud.com", "me.com", "mac.com", "aol.com", "proton.me", "protonmail.com", "mail.com", "gmx.com",
		"qq.com", "foxmail.com", "163.com", "126.com", "yeah.net", "sina.com", "sina.cn", "sohu.com", "aliyun.com",
		"rediffmail.com", "rediff.com", "zoho.com",
		// Internet providers' own mail
		"streamyx.com", "tm.net.my", "jaring.my", "singnet.com.sg", "pacific.net.sg", "telkom.net",
		"hinet.net", "ms1.hinet.net", "pchome.com.tw", "seed.net.tw", "vsnl.net", "sify.com", "139.com", "21cn.com", "tom.com":
		return true
	}
	return false
}

// nameWords returns the words of a customer's name, company and former
// names, which get vocabulary keys; e-mail local parts do not, since they
// are nearly all unique.
func nameWords(c *crm.Customer) []string {
	return words(strings.Join(append([]string{c.Name, c.Company}, c.MergedNames...), " "))
}
