// Package phone turns phone numbers typed in any local format into E.164,
// with libphonenumber's rules (github.com/nyaruka/phonenumbers).
package phone

import (
	"slices"
	"strings"
	"unicode"

	"github.com/nyaruka/phonenumbers"
)

// Looks reports whether s is shaped like a phone number: digits with the
// usual separators and at least six digits. "012-345 6789", "+60 12 345 6789".
func Looks(s string) bool {
	digits := 0
	for i, r := range s {
		switch {
		case unicode.IsDigit(r):
			digits++
		case r == '+' && i == 0, r == ' ', r == '-', r == '(', r == ')', r == '.':
		default:
			return false
		}
	}
	return digits >= 6
}

// Normalize returns s in E.164, reading numbers without a country code as
// numbers of region (ISO 3166, e.g. "MY"). ok is false when s is not a
// possible number.
func Normalize(s, region string) (e164 string, ok bool) {
	s = strings.TrimSpace(s)
	if !Looks(s) {
		return "", false
	}
	n, err := phonenumbers.Parse(s, strings.ToUpper(region))
	if err != nil || !phonenumbers.IsPossibleNumber(n) {
		return "", false
	}
	return phonenumbers.Format(n, phonenumbers.E164), true
}

// Format returns an E.164 number in international format for display.
func Format(e164 string) string {
	n, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return e164
	}
	return phonenumbers.Format(n, phonenumbers.INTERNATIONAL)
}

// Region reports whether r is an ISO 3166 region libphonenumber knows.
func Region(r string) bool {
	return phonenumbers.GetSupportedRegions()[strings.ToUpper(r)]
}

// Shaped reports whether s holds only digits and the usual separators,
// whatever their count: "6789", "+60 12", "012-345". Unlike Looks, it also
// accepts numbers too short to be whole, so a caller can tell "a phone,
// but too little of it" from a name.
func Shaped(s string) bool {
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0, r == ' ', r == '-', r == '(', r == ')', r == '.':
		default:
			return false
		}
	}
	return digits > 0
}

// neighbours are the regions a business in Malaysia, Indonesia, China,
// Taiwan or India hears local numbers from, most common first.
func neighbours() []string {
	return []string{"MY", "SG", "ID", "TH", "CN", "HK", "TW", "IN", "PH", "VN"}
}

// Readings returns the E.164 numbers s can stand for, heard in a business
// of region home: s as a number of home when it is a valid one there (or
// carries its country code), else every valid reading of s as a local
// number of a neighbouring region ("0812-3456-7890" typed in Malaysia is
// Indonesian), after the home reading when that is at least possible.
func Readings(s, home string) []string {
	s = strings.TrimSpace(s)
	if !Looks(s) {
		return nil
	}
	home = strings.ToUpper(home)
	if n, err := phonenumbers.Parse(s, home); err == nil && phonenumbers.IsValidNumber(n) {
		return []string{phonenumbers.Format(n, phonenumbers.E164)}
	}
	// Stored numbers were only checked to be possible (Normalize), so the
	// home reading stays first even when not valid.
	var out []string
	if e, ok := Normalize(s, home); ok {
		out = append(out, e)
	}
	if strings.HasPrefix(s, "+") {
		return out // a country code was given: no other reading is honest
	}
	for _, r := range neighbours() {
		if r == home {
			continue
		}
		n, err := phonenumbers.Parse(s, r)
		if err != nil || !phonenumbers.IsValidNumberForRegion(n, r) {
			continue
		}
		if e := phonenumbers.Format(n, phonenumbers.E164); !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out
}
