package money

import (
	"errors"
	"math/big"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Errors Parse returns. ErrNotAmount means the text is not an amount at all
// (a product word, "iPhone"); the others mean it is one that cannot be kept.
var (
	ErrNotAmount     = errors.New("not an amount")
	ErrZero          = errors.New("amount is zero")
	ErrTooLarge      = errors.New("amount too large")
	ErrTooPrecise    = errors.New("more decimals than the currency has")
	ErrTwoCurrencies = errors.New("two different currencies")
	ErrBadGrouping   = errors.New("thousands marks in the wrong places")
	ErrNoNumber      = errors.New("no number after the currency")
)

// prefixes are symbols written before a number, longest first so "rmb"
// wins over "rm". An empty code is the region's dollar (see dollar).
var prefixes = []struct{ sym, code string }{
	{"us$", "USD"}, {"nt$", "TWD"}, {"hk$", "HKD"}, {"rmb", "CNY"}, {"rs.", "INR"},
	{"s$", "SGD"}, {"rm", "MYR"}, {"rp", "IDR"}, {"rs", "INR"},
	{"₹", "INR"}, {"¥", "CNY"}, {"￥", "CNY"}, {"€", "EUR"}, {"£", "GBP"}, {"$", ""},
}

// commonCodes are codes staff type in lower case too ("usd 99.90"); any
// other ISO code counts only in capitals, so "50 pen" is no Peruvian sol.
var commonCodes = map[string]string{
	"myr": "MYR", "idr": "IDR", "inr": "INR", "cny": "CNY", "rmb": "CNY", "twd": "TWD",
	"ntd": "TWD", "sgd": "SGD", "usd": "USD", "eur": "EUR", "hkd": "HKD", "gbp": "GBP",
	"jpy": "JPY", "aud": "AUD", "thb": "THB", "php": "PHP", "vnd": "VND",
}

// multipliers are the words for powers of ten written after a number.
// Longest first, so "juta" is not read as "j…" and "lakhs" not as "lakh".
var multipliers = []struct {
	word string
	pow  int
}{
	{"crores", 7}, {"crore", 7}, {"करोड़", 7}, {"करोड़", 7}, {"करोड", 7},
	{"lakhs", 5}, {"lakh", 5}, {"lacs", 5}, {"lac", 5}, {"लाख", 5},
	{"juta", 6}, {"ribu", 3}, {"rbu", 3}, {"rb", 3}, {"jt", 6}, {"cr", 7}, {"k", 3},
	{"千", 3}, {"万", 4}, {"萬", 4}, {"亿", 8}, {"億", 8},
}

// dollar is what a bare "$" means: the region's own dollar where it has
// one, else the US dollar.
func dollar(region string) string {
	switch c := RegionCurrency(region); c {
	case "SGD", "TWD", "HKD":
		return c
	}
	return "USD"
}

// yuan is what 元/块 after a number means: NT dollars in Taiwan, Hong Kong
// dollars in Hong Kong, renminbi elsewhere.
func yuan(region string) string {
	switch c := RegionCurrency(region); c {
	case "TWD", "HKD":
		return c
	}
	return "CNY"
}

// Parse reads s as one amount written in region (ISO 3166 code): an
// optional currency before ("RM", "Rp", "USD", "$"), a number with the
// region's marks, an optional multiplier ("k", "juta", "lakh", "万") and an
// optional currency after ("USD", "元"), with or without spaces, in any
// case. s holds the amount alone; ErrNotAmount says it is something else.
func Parse(s, region string) (Reading, error) {
	s = strings.TrimSpace(s)
	var r Reading
	code, rest := prefixCurrency(s, region)
	rest = strings.TrimLeft(rest, " ")
	num, rest := number(rest)
	if num == "" {
		if code != "" {
			return r, ErrNoNumber
		}
		return r, ErrNotAmount
	}
	rest = strings.TrimLeft(rest, " ")
	pow := 0
	pow, rest = multiplier(rest)
	rest = strings.TrimLeft(rest, " ")
	after, rest := suffixCurrency(rest, region)
	if strings.TrimSpace(rest) != "" {
		return r, ErrNotAmount
	}
	switch {
	case code != "" && after != "" && code != after:
		return r, ErrTwoCurrencies
	case code == "":
		code = after
	}
	r.Typed = code != ""
	if code == "" {
		code = RegionCurrency(region)
	}
	r.Currency, r.Multiplied = code, pow > 0
	cands, unsure, err := readNumber(num, marksOf(region), pow > 0)
	if err != nil {
		return r, err
	}
	r.Unsure = unsure
	digits := Digits(code)
	first := true
	var firstErr error
	for _, c := range cands {
		minor, err := c.minor(pow, digits)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if first {
			r.Minor, first = minor, false
		} else if minor != r.Minor {
			r.Others = append(r.Others, minor)
		}
	}
	if first {
		return r, firstErr
	}
	return r, nil
}

// prefixCurrency takes a currency symbol or code off the front of s.
func prefixCurrency(s, region string) (code, rest string) {
	for _, p := range prefixes {
		if len(s) > len(p.sym) && strings.EqualFold(s[:len(p.sym)], p.sym) {
			rest = s[len(p.sym):]
			if !startsWithDigit(strings.TrimLeft(rest, " ")) {
				continue
			}
			if p.code == "" {
				return dollar(region), rest
			}
			return p.code, rest
		}
	}
	if len(s) > 3 {
		if c, ok := codeWord(s[:3]); ok && (s[3] == ' ' || startsWithDigit(s[3:])) {
			return c, s[3:]
		}
	}
	return "", s
}

// suffixCurrency takes a code or 元/块 off the front of what follows the number.
func suffixCurrency(s, region string) (code, rest string) {
	for _, w := range []string{"元", "块", "塊"} {
		if r, ok := strings.CutPrefix(s, w); ok {
			return yuan(region), r
		}
	}
	if len(s) >= 3 {
		if c, ok := codeWord(s[:3]); ok && (len(s) == 3 || s[3] == ' ') {
			return c, s[3:]
		}
	}
	return "", s
}

// codeWord reads an ISO currency code: any known code in capitals, the
// common ones in any case.
func codeWord(w string) (string, bool) {
	if c, ok := commonCodes[strings.ToLower(w)]; ok {
		return c, true
	}
	return w, Known(w)
}

// multiplier takes a multiplier word off the front of s: its power of ten.
// A Latin word must end there ("2k" yes, "2kg" no).
func multiplier(s string) (int, string) {
	for _, m := range multipliers {
		if len(s) < len(m.word) || !strings.EqualFold(s[:len(m.word)], m.word) {
			continue
		}
		rest := s[len(m.word):]
		if r, _ := utf8.DecodeRuneInString(rest); m.word[0] < utf8.RuneSelf && unicode.IsLetter(r) {
			continue
		}
		return m.pow, rest
	}
	return 0, s
}

// digitValue reads an ASCII, full-width or Devanagari digit.
func digitValue(r rune) (byte, bool) {
	switch {
	case r >= '0' && r <= '9':
		return byte(r - '0'), true
	case r >= '０' && r <= '９':
		return byte(r - '０'), true
	case r >= '०' && r <= '९':
		return byte(r - '०'), true
	}
	return 0, false
}

func startsWithDigit(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	_, ok := digitValue(r)
	return ok
}

// number takes digits and the marks between them off the front of s, as
// ASCII. It must start and end with a digit.
func number(s string) (num, rest string) {
	var b strings.Builder
	end := 0
	for i, r := range s {
		if d, ok := digitValue(r); ok {
			b.WriteByte('0' + d)
			end = i + utf8.RuneLen(r)
			continue
		}
		if (r == '.' || r == ',') && b.Len() > 0 {
			b.WriteRune(r)
			continue
		}
		break
	}
	num = strings.TrimRight(b.String(), ".,")
	if num == "" {
		return "", s
	}
	return num, s[end:]
}

// decimal is a number as written: whole digits and fraction digits.
type decimal struct{ whole, frac string }

// minor converts a decimal times 10^pow to minor units of a currency with
// the given decimals, refusing what the currency cannot hold exactly.
func (d decimal) minor(pow, digits int) (int64, error) {
	n, ok := new(big.Int).SetString(d.whole+d.frac, 10)
	if !ok {
		return 0, ErrNotAmount
	}
	shift := pow + digits - len(d.frac)
	ten := big.NewInt(10)
	if shift >= 0 {
		n.Mul(n, new(big.Int).Exp(ten, big.NewInt(int64(shift)), nil))
	} else {
		q, m := new(big.Int).QuoRem(n, new(big.Int).Exp(ten, big.NewInt(int64(-shift)), nil), new(big.Int))
		if m.Sign() != 0 {
			return 0, ErrTooPrecise
		}
		n = q
	}
	limit := new(big.Int).Mul(big.NewInt(Max), new(big.Int).Exp(ten, big.NewInt(int64(digits)), nil))
	switch {
	case n.Sign() == 0:
		return 0, ErrZero
	case n.Cmp(limit) > 0:
		return 0, ErrTooLarge
	}
	return n.Int64(), nil
}

// readNumber reads the marks of num in a region: the readings it can have,
// likeliest first, and whether more than one is possible there.
//
//   - no mark: a whole number;
//   - both marks: the last one is the decimal, the others group (sure);
//   - one mark several times: grouping (sure; Indian groups outside India,
//     or next to a multiplier, unsure);
//   - one mark once before three digits: the region's grouping mark groups
//     (sure); its decimal mark may be either (unsure: "1.500" in Malaysia);
//     next to a multiplier either way unsure ("1.500 juta");
//   - one mark once before other than three digits: a decimal; sure with
//     the region's decimal mark or next to a multiplier ("1,5 juta",
//     "1.5万"), else unsure ("1,5" in Malaysia might be 15).
func readNumber(num string, m marks, multiplied bool) ([]decimal, bool, error) {
	dots, commas := strings.Count(num, "."), strings.Count(num, ",")
	switch {
	case dots == 0 && commas == 0:
		return []decimal{{whole: num}}, false, nil
	case dots > 0 && commas > 0:
		i := strings.LastIndexAny(num, ".,")
		dec := num[i]
		if strings.Count(num, string(dec)) != 1 {
			return nil, false, ErrBadGrouping
		}
		std, indian := grouping(num[:i], other(dec))
		if !std && !indian {
			return nil, false, ErrBadGrouping
		}
		d := decimal{whole: strip(num[:i]), frac: num[i+1:]}
		return []decimal{d}, multiplied || (!std && !m.indian), nil
	}
	mark := byte('.')
	if commas > 0 {
		mark = ','
	}
	if strings.Count(num, string(mark)) > 1 {
		std, indian := grouping(num, mark)
		if !std && !indian {
			return nil, false, ErrBadGrouping
		}
		return []decimal{{whole: strip(num)}}, multiplied || (!std && !m.indian), nil
	}
	i := strings.IndexByte(num, mark)
	whole, frac := num[:i], num[i+1:]
	asDecimal, asGroup := decimal{whole: whole, frac: frac}, decimal{whole: whole + frac}
	if len(frac) == 3 && len(whole) <= 3 {
		switch {
		case multiplied:
			if mark == m.group {
				return []decimal{asGroup, asDecimal}, true, nil
			}
			return []decimal{asDecimal, asGroup}, true, nil
		case mark == m.group:
			return []decimal{asGroup}, false, nil
		}
		return []decimal{asDecimal, asGroup}, true, nil
	}
	if mark == m.decimal || multiplied {
		return []decimal{asDecimal}, false, nil
	}
	return []decimal{asDecimal, asGroup}, true, nil
}

func other(mark byte) byte {
	if mark == '.' {
		return ','
	}
	return '.'
}

func strip(s string) string {
	return strings.NewReplacer(".", "", ",", "").Replace(s)
}

// grouping says whether s groups its digits with mark in threes
// (1,500,000) or the Indian way (15,00,000: threes, then twos).
func grouping(s string, mark byte) (std, indian bool) {
	if strings.IndexByte(s, other(mark)) >= 0 {
		return false, false
	}
	g := strings.Split(s, string(mark))
	if len(g) == 1 {
		return true, true
	}
	head, last := g[0], g[len(g)-1]
	std = len(head) >= 1 && len(head) <= 3
	for _, x := range g[1:] {
		std = std && len(x) == 3
	}
	indian = len(head) >= 1 && len(head) <= 2 && len(last) == 3
	for _, x := range g[1 : len(g)-1] {
		indian = indian && len(x) == 2
	}
	return std, indian
}
