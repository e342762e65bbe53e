package store

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Lookup keys. Every lookup that must be fast on the embedded store goes
// through a document in the keys collection whose _id is the key (DESIGN §5).
// Customer keys list the customers holding them:
//
//	p:+60123456789    a phone in E.164
//	e:siti@example.my an e-mail
//	w:nurhaliza       a word of a name, company or e-mail (Han: each character too)
//
// Vocabulary keys list words, not customers, so they are written once per
// distinct word rather than once per customer:
//
//	x:nurh            words with this prefix (3 to maxPrefix characters)
//	d:nurhalia        words that give this with one character deleted, for one-typo matches
const (
	keyPhone  = "p:"
	keyEmail  = "e:"
	keyWord   = "w:"
	keyPrefix = "x:"
	keyDelete = "d:"

	maxPrefix  = 8
	minTypoLen = 4  // shorter words would match too much with one typo
	maxWordLen = 40 // longer words are not indexed beyond this
)

// fold lower-cases s and strips accents from Latin letters, so "José" and
// "jose" meet; marks on other scripts (Devanagari vowel signs) are kept,
// since there they change the word.
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
		b.WriteRune(r)
	}
	return norm.NFC.String(b.String())
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
func customerKeys(name, company string, phones, emails []string) []string {
	var keys []string
	seen := map[string]bool{}
	add := func(k string) {
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	for _, p := range phones {
		add(keyPhone + p)
	}
	for _, e := range emails {
		add(keyEmail + e)
		if local, _, ok := strings.Cut(e, "@"); ok {
			for _, w := range words(local) {
				add(keyWord + w)
			}
		}
	}
	for _, w := range words(name + " " + company) {
		add(keyWord + w)
	}
	return keys
}

// nameWords returns the words of a name and company that get vocabulary
// keys; e-mail local parts do not, since they are nearly all unique.
func nameWords(name, company string) []string { return words(name + " " + company) }
