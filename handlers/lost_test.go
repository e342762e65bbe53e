package handlers_test

import (
	"strings"
	"testing"
	"time"

	"github.com/crmbot/crmbot/crm"
)

func TestLost(t *testing.T) {
	f := newFixture(t)
	f.ok("add Tan Ah Kow 019-876 5432")
	f.ok("add Siti Nurhaliza 012-345 6789")
	f.ok("add Lim Mei Ling 011-1111 2222")
	f.ok("add Ravi Kumar 011-2222 3333")

	tests := []struct {
		name, line     string
		who            string
		reason, compet string
		wantErr        string
	}{
		{"DesignExample", "lost Tan: went to competitor X, price", "tan", "price", "X", ""},
		{"Settings", "lost Siti: competitor=Solar Jaya reason=service", "siti", "service", "Solar Jaya", ""},
		{"Malay", "lost Lim: pindah ke pesaing Kedai Murah, harga mahal", "lim", "price", "Kedai Murah", ""},
		{"ClosedIsOther", "lost Ravi: shop closed down", "ravi", "other", "", ""},
		{"NoColon", "lost Ravi", "", "", "", "Say who was lost"},
		{"UnknownSetting", "lost Ravi: colour=red", "", "", "", "Only reason= and competitor="},
		{"UnknownCustomer", "lost Nobody Here: price", "", "", "", "No customer matches"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := f.do(tt.line)
			if tt.wantErr != "" {
				if !rep.Error || !strings.Contains(rep.Plain(), tt.wantErr) {
					t.Fatalf("reply %q, want refusal with %q", rep.Plain(), tt.wantErr)
				}
				return
			}
			if rep.Error {
				t.Fatalf("refused: %s", rep.Plain())
			}
			c := f.customer(tt.who)
			if c.Lost == nil || c.Lost.Reason != tt.reason || c.Lost.Competitor != tt.compet || c.Stats.Tier != crm.TierLost {
				t.Errorf("lost = %+v, tier %s; want %s, %q", c.Lost, c.Stats.Tier, tt.reason, tt.compet)
			}
		})
	}

	t.Run("ReportLost", func(t *testing.T) {
		out := f.ok("report lost")
		contains(t, out, "Lost customers, last 90 days", "4 customers lost", "price: 2", "service: 1", "other: 1",
			"Solar Jaya: 1", "not named: 1", "Tan Ah Kow: price → X")
	})
	t.Run("ReportLostPeriod", func(t *testing.T) {
		f.now = f.now.Add(40 * 24 * time.Hour)
		contains(t, f.ok("report lost 30d"), "No customer was recorded as lost in the last 30 days")
		contains(t, f.ok("report lost 60d"), "4 customers lost")
	})
	t.Run("ReportRefusals", func(t *testing.T) {
		for _, line := range []string{"report lost -3d", "report lost many", "report everything"} {
			if rep := f.do(line); !rep.Error {
				t.Errorf("%q accepted: %s", line, rep.Plain())
			}
		}
	})
	t.Run("FieldStaffCannotReport", func(t *testing.T) {
		field := f.staff("telegram:42", crm.RoleField)
		if rep := f.as(field, "report lost"); !rep.Error {
			t.Errorf("field staff got %s", rep.Plain())
		}
	})
}
