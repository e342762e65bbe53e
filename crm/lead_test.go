package crm_test

import (
	"slices"
	"testing"
	"time"

	"github.com/crmbot/crmbot/crm"
)

var leadNow = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func daysAgo(n int) time.Time { return leadNow.Add(-time.Duration(n) * 24 * time.Hour) }

// prospect is a customer added 10 days ago with nothing else known; each
// change adds one thing to it.
func prospect(changes ...func(*crm.Customer)) *crm.Customer {
	c := &crm.Customer{ID: "p1", Name: "Prospect", CreatedAt: daysAgo(10), Stats: crm.Stats{Tier: crm.TierNone}}
	for _, change := range changes {
		change(c)
	}
	return c
}

func source(s string) func(*crm.Customer) { return func(c *crm.Customer) { c.Source = s } }

func contact(kind crm.InteractionKind, days int) func(*crm.Customer) {
	return func(c *crm.Customer) {
		c.Recent = append(c.Recent, crm.Interaction{Kind: kind, At: daysAgo(days)})
		if at := daysAgo(days); at.After(c.Stats.LastContactAt) {
			c.Stats.LastContactAt = at
		}
	}
}

func followUp(days int) func(*crm.Customer) {
	return func(c *crm.Customer) {
		c.Recent = append(c.Recent, crm.Interaction{Kind: crm.KindNote, At: daysAgo(1), FollowUpAt: daysAgo(-days)})
		c.Stats.LastContactAt = daysAgo(1)
	}
}

func campaign(n int, name string) func(*crm.Customer) {
	return func(c *crm.Customer) { c.Stats.CampaignResponses, c.Stats.LastCampaign = n, name }
}

func complaints(n int) func(*crm.Customer) {
	return func(c *crm.Customer) { c.Stats.OpenComplaints = n }
}

func silentFor(days int) func(*crm.Customer) {
	return func(c *crm.Customer) { c.Stats.LastContactAt = daysAgo(days); c.CreatedAt = daysAgo(days + 30) }
}

func created(days int) func(*crm.Customer) {
	return func(c *crm.Customer) { c.CreatedAt = daysAgo(days) }
}

func TestScoreLeadFactors(t *testing.T) {
	base := crm.ScoreLead(prospect(), leadNow, false).Score
	// Each row's score compares with another row's (or the bare prospect's).
	tests := []struct {
		name    string
		c       *crm.Customer
		than    *crm.Customer // nil: the bare prospect
		compare int           // +1 higher, -1 lower, 0 equal
	}{
		{"ReferralRaises", prospect(source("referral")), nil, +1},
		{"ReferralBeatsWeb", prospect(source("Word of mouth")), prospect(source("website")), +1},
		{"WalkInBeatsAds", prospect(source("walk-in")), prospect(source("newspaper")), +1},
		{"AdsRaise", prospect(source("iklan")), nil, +1},
		{"UnknownSourceNeutral", prospect(source("a cousin of the owner")), nil, 0},
		{"CallRaises", prospect(contact(crm.KindCall, 3)), nil, +1},
		{"VisitBeatsCall", prospect(contact(crm.KindVisit, 3)), prospect(contact(crm.KindCall, 3)), +1},
		{"MeetingBeatsMessage", prospect(contact(crm.KindMeeting, 3)), prospect(contact(crm.KindMessage, 3)), +1},
		{"CallBeatsMessage", prospect(contact(crm.KindCall, 3)), prospect(contact(crm.KindMessage, 3)), +1},
		{"MoreCallsMore", prospect(contact(crm.KindCall, 3), contact(crm.KindCall, 5)), prospect(contact(crm.KindCall, 3)), +1},
		{"NoteIsNoContact", prospect(contact(crm.KindNote, 3)), nil, 0},
		// An old call neither adds (outside the window) nor is silence yet.
		{"CallOutsideWindowNeutral", prospect(contact(crm.KindCall, 40)), nil, 0},
		{"CampaignRaises", prospect(campaign(1, "raya-2026")), nil, +1},
		{"MoreResponsesMore", prospect(campaign(2, "raya-2026")), prospect(campaign(1, "raya-2026")), +1},
		{"FollowUpRaises", prospect(followUp(3)), prospect(contact(crm.KindNote, 1)), +1},
		{"PastFollowUpNeutral", prospect(followUp(-3)), prospect(contact(crm.KindNote, 1)), 0},
		{"ComplaintLowers", prospect(complaints(1)), nil, -1},
		{"TwoComplaintsLowerMore", prospect(source("referral"), complaints(2)), prospect(source("referral"), complaints(1)), -1},
		{"SilenceLowers", prospect(silentFor(70)), nil, -1},
		{"LongerSilenceLowersMore", prospect(silentFor(150)), prospect(silentFor(70)), -1},
		{"NeverContactedOldLowers", prospect(created(90)), nil, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := crm.ScoreLead(tt.c, leadNow, false).Score
			than := base
			if tt.than != nil {
				than = crm.ScoreLead(tt.than, leadNow, false).Score
			}
			if c := compare(got, than); c != tt.compare {
				t.Errorf("score %d against %d: compare %d, want %d", got, than, c, tt.compare)
			}
		})
	}
}

func compare(a, b int) int {
	switch {
	case a > b:
		return 1
	case a < b:
		return -1
	}
	return 0
}

func TestScoreLeadBounds(t *testing.T) {
	tests := []struct {
		name string
		c    *crm.Customer
		want int
		band crm.LeadBand
	}{
		{"Everything", prospect(source("referral"), contact(crm.KindVisit, 1), contact(crm.KindMeeting, 2),
			contact(crm.KindVisit, 3), contact(crm.KindCall, 4), campaign(5, "raya-2026"), followUp(2)), 100, crm.LeadHot},
		{"Nothing", prospect(complaints(4), silentFor(400)), 0, crm.LeadCold},
		{"Bare", prospect(), 30, crm.LeadCold},
		// 30 + 15 (walk-in) = 45, the lowest warm score.
		{"WarmFloor", prospect(source("walk-in")), crm.LeadWarmFrom, crm.LeadWarm},
		// 30 + 20 (referral) + 18 (three calls) + 10 (a campaign) = 78.
		{"Hot", prospect(source("referral"), contact(crm.KindCall, 2), contact(crm.KindCall, 9), contact(crm.KindCall, 20),
			campaign(1, "raya-2026")), 78, crm.LeadHot},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := crm.ScoreLead(tt.c, leadNow, false)
			if l.Score != tt.want || l.Band != tt.band {
				t.Errorf("got %d %s, want %d %s (reasons %+v)", l.Score, l.Band, tt.want, tt.band, l.Reasons)
			}
			if l.Score < 0 || l.Score > 100 {
				t.Errorf("score %d out of 0-100", l.Score)
			}
		})
	}
}

func TestScoreLeadReasons(t *testing.T) {
	tests := []struct {
		name string
		c    *crm.Customer
		want []string // keys, strongest first
		args [][]any
	}{
		{"None", prospect(), nil, nil},
		{"OnlyOne", prospect(source("referral")), []string{"lead_reason_source_referral"}, [][]any{nil}},
		// referral 20, calls 18, then campaign and follow-up tie at 10: the
		// campaign comes first in the factors' order; the follow-up is left out.
		{"StrongestThree", prospect(source("referral"), contact(crm.KindCall, 2), contact(crm.KindCall, 9), contact(crm.KindCall, 20),
			campaign(1, "raya-2026"), followUp(3)),
			[]string{"lead_reason_source_referral", "lead_reason_call", "lead_reason_campaign"},
			[][]any{nil, {"count", 3}, {"campaign", "raya-2026"}}},
		// A complaint (-15) outweighs a message (+3) and the web (+8).
		{"ComplaintFirst", prospect(source("web"), contact(crm.KindMessage, 2), complaints(1)),
			[]string{"lead_reason_complaint", "lead_reason_source_web", "lead_reason_message"},
			[][]any{{"count", 1}, nil, {"count", 1}}},
		{"MixedContacts", prospect(contact(crm.KindCall, 2), contact(crm.KindVisit, 3), contact(crm.KindNote, 4)),
			[]string{"lead_reason_contacts"}, [][]any{{"count", 2}}},
		{"Silent", prospect(source("ads"), silentFor(130)),
			[]string{"lead_reason_silent", "lead_reason_source_ads"}, [][]any{{"count", 130}, nil}},
		{"SeveralCampaigns", prospect(campaign(3, "merdeka-2026")),
			[]string{"lead_reason_campaigns"}, [][]any{{"count", 3, "campaign", "merdeka-2026"}}},
		{"NeverContacted", prospect(created(65)),
			[]string{"lead_reason_never_contacted"}, [][]any{{"count", 65}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := crm.ScoreLead(tt.c, leadNow, false)
			var keys []string
			for i, r := range l.Reasons {
				keys = append(keys, r.Key)
				if i < len(tt.args) && !slices.Equal(r.Args, tt.args[i]) {
					t.Errorf("%s args %v, want %v", r.Key, r.Args, tt.args[i])
				}
			}
			if !slices.Equal(keys, tt.want) {
				t.Errorf("reasons %v, want %v", keys, tt.want)
			}
			for i := 1; i < len(l.Reasons); i++ {
				if a, b := l.Reasons[i-1].Points, l.Reasons[i].Points; max(a, -a) < max(b, -b) {
					t.Errorf("reason %d (%d points) before a stronger one (%d)", i-1, a, b)
				}
			}
		})
	}
}

func TestIsProspect(t *testing.T) {
	tests := []struct {
		name string
		c    crm.Customer
		want bool
	}{
		{"NeverBought", crm.Customer{}, true},
		{"Bought", crm.Customer{Stats: crm.Stats{Orders: 1}}, false},
		{"Lost", crm.Customer{Lost: &crm.Lost{Competitor: "X"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.IsProspect(); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// BenchmarkScoreLead scores a prospect with every factor present, as the
// card does on each show.
func BenchmarkScoreLead(b *testing.B) {
	c := prospect(source("referral"), contact(crm.KindVisit, 1), contact(crm.KindCall, 2), contact(crm.KindMessage, 3),
		contact(crm.KindEmail, 40), followUp(2), campaign(2, "raya-2026"), complaints(1))
	for b.Loop() {
		crm.ScoreLead(c, leadNow, false)
	}
}

// TestScoreLeadReminded: an open reminder about the prospect counts as a
// planned follow-up, once, like one set with a logged contact.
func TestScoreLeadReminded(t *testing.T) {
	plain := crm.ScoreLead(prospect(), leadNow, false)
	reminded := crm.ScoreLead(prospect(), leadNow, true)
	if reminded.Score <= plain.Score {
		t.Errorf("reminded %d, not above %d", reminded.Score, plain.Score)
	}
	both := crm.ScoreLead(prospect(followUp(3)), leadNow, true)
	logged := crm.ScoreLead(prospect(followUp(3)), leadNow, false)
	if both.Score != logged.Score {
		t.Errorf("a reminder and a logged follow-up %d, the logged one alone %d: counted twice", both.Score, logged.Score)
	}
}
