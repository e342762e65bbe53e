package crm_test

import (
	"testing"

	"github.com/crmbot/crmbot/crm"
)

func TestNearName(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want bool
	}{
		{"Same", "Tan Ah Kow", "Tan Ah Kow", true},
		{"CaseAndPunctuation", "Tan Ah-Kow", "tan ah kow", true},
		{"WordOrder", "Lim Wei", "Wei Lim", true},
		{"OneTypo", "Tan Ah Kow", "Tan Ah Kaw", true},
		{"OneMissingLetter", "Nurhaliza Siti", "Nurhliza Siti", true},
		{"TwoTypos", "Tan Ah Kow", "Tan Eh Kaw", false},
		{"ShortNamesNeedExact", "Ali", "Aly", false},
		{"Different", "Siti Nurhaliza", "Aminah Yusof", false},
		{"Han", "陈大文", "陈大文", true},
		{"Empty", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := crm.NearName(tt.a, tt.b); got != tt.want {
				t.Errorf("NearName(%q, %q) = %v", tt.a, tt.b, got)
			}
		})
	}
}
