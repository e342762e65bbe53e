// Package phone turns phone numbers typed in any local format into E.164,
// with libphonenumber's rules (github.com/nyaruka/phonenumbers).
package phone

import (
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
