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

// TestMergedCampaignResponses: a merge adds the campaign responses of both
// records, so the lead score sees them all, and its undo takes them off.
func TestMergedCampaignResponses(t *testing.T) {
	tests := []struct {
		name           string
		keep, gone     crm.Stats
		wantN          int
		wantLast       string
		wantUndoN      int
		wantUndoneLast string
	}{
		{"BothResponded", crm.Stats{CampaignResponses: 2, LastCampaign: "raya-2026"}, crm.Stats{CampaignResponses: 1, LastCampaign: "cny-2026"}, 3, "raya-2026", 2, "raya-2026"},
		{"OnlyGoneResponded", crm.Stats{}, crm.Stats{CampaignResponses: 1, LastCampaign: "cny-2026"}, 1, "cny-2026", 0, ""},
		{"NeitherResponded", crm.Stats{}, crm.Stats{}, 0, "", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keep := &crm.Customer{ID: "k", Name: "Siti", Stats: tt.keep}
			gone := &crm.Customer{ID: "g", Name: "Siti N", Stats: tt.gone}
			c := crm.Merged(keep, gone)
			if c.Stats.CampaignResponses != tt.wantN || c.Stats.LastCampaign != tt.wantLast {
				t.Errorf("merged: %d responses, last %q; want %d, %q", c.Stats.CampaignResponses, c.Stats.LastCampaign, tt.wantN, tt.wantLast)
			}
			u := crm.Unmerged(&c, &crm.Merge{Before: *keep, Removed: *gone})
			if u.Stats.CampaignResponses != tt.wantUndoN || u.Stats.LastCampaign != tt.wantUndoneLast {
				t.Errorf("undone: %d responses, last %q; want %d, %q", u.Stats.CampaignResponses, u.Stats.LastCampaign, tt.wantUndoN, tt.wantUndoneLast)
			}
		})
	}
}
