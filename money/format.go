package money

import (
	"strings"

	"github.com/bojanz/currency"
)

// locales is the CLDR locale each region's amounts are shown in. The
// region decides, not the reader's language: a shop's amounts read the same
// for all its staff. en-MY rather than ms-MY because both write ringgit as
// "RM 1,250.50" but ms-MY shows a foreign dollar as a bare "$"; en-IN keeps
// Latin digits with lakh grouping (₹2,00,000.00), which hi-IN staff read too.
var locales = map[string]string{
	"MY": "en-MY", "ID": "id-ID", "IN": "en-IN", "CN": "zh-CN", "TW": "zh-TW",
	"SG": "en-SG", "HK": "zh-HK",
}

// Locale is the CLDR locale amounts are shown in for a region.
func Locale(region string) string {
	if l, ok := locales[strings.ToUpper(region)]; ok {
		return l
	}
	return "en"
}

// Format shows minor units of code the region's way: its own currency with
// its symbol ("RM 1,250.50", "Rp 1.500.000", "₹2,00,000.00", "¥8,000.00",
// "NT$3,600"), any other with its ISO code ("USD 99.90" in Malaysia) so no
// "$" is ambiguous. A region without a locale here shows every currency by
// its code. Spaces are plain spaces, so what is shown can be typed
// back and reads as the same amount.
func Format(minor int64, code, region string) string {
	digits := Digits(code)
	a, err := currency.NewAmountFromInt64(0, code)
	if err == nil {
		a, err = currency.NewAmount(decimalString(minor, digits), code)
	}
	if err != nil {
		// Not an ISO code: shown plainly rather than lost.
		return code + " " + decimalString(minor, digits)
	}
	f := currency.NewFormatter(currency.NewLocale(Locale(region)))
	f.MinDigits, f.MaxDigits = uint8(digits), uint8(digits)
	if _, served := locales[strings.ToUpper(region)]; !served || code != RegionCurrency(region) {
		f.CurrencyDisplay = currency.DisplayCode
	}
	return strings.ReplaceAll(f.Format(a), "\u00a0", " ")
}

// decimalString writes minor units as a plain decimal: 125050, 2 → "1250.50".
func decimalString(minor int64, digits int) string {
	neg := minor < 0
	u := uint64(minor)
	if neg {
		u = -u
	}
	s := uitoa(u)
	if digits > 0 {
		for len(s) <= digits {
			s = "0" + s
		}
		s = s[:len(s)-digits] + "." + s[len(s)-digits:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

func uitoa(u uint64) string {
	if u == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for u > 0 {
		i--
		b[i] = byte('0' + u%10)
		u /= 10
	}
	return string(b[i:])
}
