package phone_test

import (
	"slices"
	"testing"

	"github.com/crmbot/crmbot/phone"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, region, want string
		ok                     bool
	}{
		{"MalaysiaLocalDashes", "012-345 6789", "MY", "+60123456789", true},
		{"MalaysiaInternational", "+60 12 345 6789", "MY", "+60123456789", true},
		{"MalaysiaNoSeparators", "0123456789", "MY", "+60123456789", true},
		{"IndonesiaLocal", "0812-3456-7890", "ID", "+6281234567890", true},
		{"ChinaMobile", "138 0013 8000", "CN", "+8613800138000", true},
		{"IndiaLocal", "098765 43210", "IN", "+919876543210", true},
		{"OtherCountryWithPlus", "+65 6123 4567", "MY", "+6561234567", true},
		{"Letters", "012-34A 6789", "MY", "", false},
		{"TooShort", "12345", "MY", "", false},
		{"Empty", "", "MY", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := phone.Normalize(tt.in, tt.region)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Normalize(%q, %s) = %q, %v; want %q, %v", tt.in, tt.region, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestReadings(t *testing.T) {
	tests := []struct {
		name, in, home string
		want           []string
	}{
		{"HomeValid", "012-345 6789", "MY", []string{"+60123456789"}},
		{"IndonesianInMalaysia", "0812-3456-7890", "MY", []string{"+6281234567890"}},
		{"SingaporeanInMalaysia", "9123 4567", "MY", []string{"+6591234567"}},
		{"ChineseInMalaysia", "138 0013 8000", "MY", []string{"+8613800138000"}},
		{"IndianInIndonesia", "98765 43210", "ID", []string{"+919876543210"}},
		{"MalaysianInIndonesia", "012-345 6789", "ID", []string{"+60123456789"}},
		{"CountryCodeGiven", "+62 812 3456 7890", "MY", []string{"+6281234567890"}},
		{"Letters", "0812-34A6-7890", "MY", nil},
		{"TooShort", "6789", "MY", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := phone.Readings(tt.in, tt.home)
			if len(tt.want) == 0 && len(got) != 0 {
				t.Errorf("Readings(%q, %s) = %q; want none", tt.in, tt.home, got)
			}
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("Readings(%q, %s) = %q; want it to hold %s", tt.in, tt.home, got, w)
				}
			}
		})
	}
}
