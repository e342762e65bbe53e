package handlers_test

import (
	"context"
	"strings"
	"testing"

	"github.com/crmbot/crmbot/crm"
)

func TestCampaign(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	high := func(q string) {
		t.Helper()
		if err := f.db.SetTier(ctx, f.customer(q).ID, crm.TierHigh); err != nil {
			t.Fatal(err)
		}
	}
	f.ok("add Ahmad Faizal 011-5555 6666")
	f.ok("add Siti Nurhaliza 012-345 6789")
	f.ok("add Tan Ah Kow 019-876 5432")
	f.ok("add Lim Mei Ling 011-1111 2222")
	f.ok("edit Ahmad: city=Kuala Lumpur")
	f.ok("edit Siti: city=Kuala Lumpur")
	f.ok("edit Tan: city=Penang")
	high("ahmad")
	high("siti")
	high("tan")
	f.ok(`segment save vip-kl: tier=high city="Kuala Lumpur"`)

	contains(t, f.ok("campaign new raya-2026: segment=vip-kl"), "Campaign raya-2026 targets 2 customers of vip-kl", "campaign=raya-2026")
	contains(t, f.ok("campaign new all-high: segment=high"), "targets 3 customers of high")
	contains(t, f.ok(`campaign new kl-all: city="Kuala Lumpur"`), "targets 2 customers")

	t.Run("NoResponsesYet", func(t *testing.T) {
		contains(t, f.ok("campaign report raya-2026"), "Reach: 2", "Responded: 0 (0.0%)", "Revenue: "+f.h.Money(crm.Money{Currency: "MYR"}))
	})

	f.ok("sale Ahmad: 1000 MYR solar panel card campaign=raya-2026")
	f.ok("sale Ahmad: 500 MYR inverter card campaign=raya-2026")
	f.ok("log Siti: called about the promotion campaign=raya-2026")
	f.ok("sale Lim: 200 MYR pump cash campaign=Raya-2026") // not targeted; the tag's case does not matter
	f.ok("sale Siti: 300 MYR cable cash")                  // no campaign
	f.ok("sale Tan: 50 SGD cable cash campaign=all-high")
	f.ok("add Wong Kar Wai 011-7777 8888")
	f.ok("edit Wong: city=Kuala Lumpur")
	high("wong") // joins vip-kl after the campaign started: not a target

	t.Run("Attribution", func(t *testing.T) {
		out := f.ok("campaign report raya-2026")
		contains(t, out, "Campaign raya-2026", "for vip-kl", "Reach: 2", "Responded: 2 (100.0%)", "Sales: 3", "Contacts logged: 1",
			"Revenue: RM 1,700.00", "One response came from a customer who was not targeted")
	})
	t.Run("OtherCampaignSeparate", func(t *testing.T) {
		contains(t, f.ok("campaign report all-high"), "Reach: 3", "Responded: 1 (33.3%)", "Sales: 1", "Revenue: SGD 50.00")
	})

	field := f.staff("telegram:42", crm.RoleField)
	refusals := []struct{ name, line, want string }{
		{"Exists", "campaign new raya-2026: segment=high", "already a campaign raya-2026"},
		{"UnknownCampaign", "campaign report nosuch", "There is no campaign nosuch"},
		{"UnknownSegment", "campaign new x1: segment=nosuch", `no saved segment "nosuch"`},
		{"UnknownField", "campaign new x2: colour=red", `I cannot filter on "colour"`},
		{"BadName", "campaign new Raya 2026!: segment=high", "cannot name a campaign"},
		{"NoColon", "campaign new raya", "campaign new NAME: segment=SEGMENT"},
		{"NoVerb", "campaign", "campaign new NAME"},
		{"BadReportName", "campaign report $where", "cannot name a campaign"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			rep := f.do(tt.line)
			if !rep.Error || !strings.Contains(rep.Plain(), tt.want) {
				t.Fatalf("%q: %q, want refusal with %q", tt.line, rep.Plain(), tt.want)
			}
		})
	}
	t.Run("RefusedCampaignsNotCreated", func(t *testing.T) {
		for _, name := range []string{"x1", "x2"} {
			if rep := f.do("campaign report " + name); !rep.Error {
				t.Errorf("campaign %s exists", name)
			}
		}
	})
	t.Run("FieldStaffCannot", func(t *testing.T) {
		if rep := f.as(field, "campaign report raya-2026"); !rep.Error {
			t.Errorf("field staff got %s", rep.Plain())
		}
	})
}

// TestCampaignTagMidText: campaign= names one word; what follows it stays
// part of the log's notes (and its follow-up) or the sale's product.
func TestCampaignTagMidText(t *testing.T) {
	f := newFixture(t)
	f.ok("add Siti Nurhaliza 0123456789")
	contains(t, f.ok("log Siti: called about panels campaign=raya-2026, follow up next week"), "Notes: called about panels")
	if rs, err := f.db.OpenReminders(context.Background(), f.admin.ID); err != nil || len(rs) != 1 {
		t.Errorf("follow-up after the campaign tag: %d reminders, %v; want 1", len(rs), err)
	}
	contains(t, f.ok("sale Siti: 1250 MYR campaign=Raya-2026 solar panel x3 card"), "Product: solar panel", "Quantity: 3", "Campaign: raya-2026")
	c := f.customer("siti")
	if c.Stats.CampaignResponses != 2 || c.Stats.LastCampaign != "raya-2026" {
		t.Errorf("campaign responses %d, last %q; want 2, raya-2026", c.Stats.CampaignResponses, c.Stats.LastCampaign)
	}
}
