package handlers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/crmbot/crmbot/crm"
)

// leadLine returns the card's lead score line, or "" when it has none.
func leadLine(card string) string {
	for _, line := range strings.Split(card, "\n") {
		if l := strings.TrimSpace(line); strings.HasPrefix(l, "Lead score:") {
			return l
		}
	}
	return ""
}

func TestCardLeadScore(t *testing.T) {
	f := newFixture(t)
	f.ok("add Siti Nurhaliza 012-345 6789 source=referral")
	f.ok("add Tan Ah Kow 019-876 5432 source=walk-in")
	f.ok("add Lim Mei Ling 011-1111 2222")
	f.ok("add Wong Kar Wai 011-7777 8888 source=web")

	t.Run("NothingYet", func(t *testing.T) {
		if got, want := leadLine(f.ok("show Lim Mei Ling")), "Lead score: 30 (cold): nothing recorded yet raises or lowers it."; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("ReminderIsAPlannedFollowUp", func(t *testing.T) {
		f.ok("add Ong Bee Leng 011-3333 4444")
		f.ok("remind Ong tomorrow: send the brochure")
		if got, want := leadLine(f.ok("show Ong")), "Lead score: 40 (cold): a follow-up is planned."; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})

	f.now = f.now.Add(-20 * 24 * time.Hour)
	f.ok("log call Siti: introduced the solar range")
	f.now = f.now.Add(10 * 24 * time.Hour)
	f.ok("log call Siti: sent prices")
	f.now = f.now.Add(10 * 24 * time.Hour)
	f.ok("log call Siti: asked about the raya offer campaign=raya-2026")

	t.Run("Prospect", func(t *testing.T) {
		// 30 + 20 (referral) + 18 (three calls) + 10 (campaign) = 78.
		want := "Lead score: 78 (hot): came by referral, 3 calls in the last 30 days, answered campaign raya-2026."
		if got := leadLine(f.ok("show Siti")); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("ComplaintLowers", func(t *testing.T) {
		f.ok("complaint Wong: quoted price was wrong")
		// 30 + 8 (web) - 15 (complaint) = 23.
		want := "Lead score: 23 (cold): an open complaint, found us on the web."
		if got := leadLine(f.ok("show Wong")); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("InReadersLanguage", func(t *testing.T) {
		ms := f.staff("telegram:77", crm.RoleManager)
		f.as(ms, "lang ms")
		card := f.as(ms, "show Siti").Plain()
		contains(t, card, "Skor prospek: 78 (panas): datang melalui rujukan, 3 panggilan dalam 30 hari lalu, menjawab kempen raya-2026.")
		zh := f.staff("telegram:78", crm.RoleManager)
		f.as(zh, "lang zh-Hans")
		contains(t, f.as(zh, "show Siti").Plain(), "潜在客户评分: 78（热）：经人推荐而来，近 30 天 3 次通话，回应了活动 raya-2026。")
	})
	t.Run("NotForBuyer", func(t *testing.T) {
		f.ok("sale Tan: 800 MYR pump cash")
		if got := leadLine(f.ok("show Tan")); got != "" {
			t.Errorf("a buyer's card says %q", got)
		}
	})
	t.Run("NotForLost", func(t *testing.T) {
		f.ok("lost Lim: competitor=SolarMax reason=price")
		if got := leadLine(f.ok("show Lim")); got != "" {
			t.Errorf("a lost customer's card says %q", got)
		}
	})
	t.Run("SilenceLowers", func(t *testing.T) {
		f.now = f.now.Add(100 * 24 * time.Hour)
		// 30 + 20 (referral) + 10 (campaign) - 10 (silent 100 days); the
		// calls are out of the window.
		want := "Lead score: 50 (warm): came by referral, answered campaign raya-2026, no contact for 100 days."
		if got := leadLine(f.ok("show Siti")); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
}

func TestCampaignResponsesCounted(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.ok("add Siti Nurhaliza 012-345 6789")
	id := f.customer("siti").ID
	stats := func() crm.Stats {
		t.Helper()
		c, err := f.db.Customer(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return c.Stats
	}
	steps := []struct {
		name      string
		line      string
		responses int
		last      string
	}{
		{"LogWithout", "log Siti: called about the quotation", 0, ""},
		{"LogWithCampaign", "log Siti: asked about the offer campaign=raya-2026", 1, "raya-2026"},
		{"SaleWithout", "sale Siti: 300 MYR cable cash", 1, "raya-2026"},
		{"SaleWithCampaign", "sale Siti: 1000 MYR solar panel card campaign=Merdeka-2026", 2, "merdeka-2026"},
		{"CreditSaleWithCampaign", "sale Siti: 800 MYR pump credit 30d campaign=raya-2026", 3, "raya-2026"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			f.ok(s.line)
			if st := stats(); st.CampaignResponses != s.responses || st.LastCampaign != s.last {
				t.Errorf("responses %d, last %q; want %d, %q", st.CampaignResponses, st.LastCampaign, s.responses, s.last)
			}
		})
	}
	t.Run("OtherFiguresKept", func(t *testing.T) {
		st := stats()
		if st.Orders != 3 || st.Spent["MYR"] != 2100_00 || st.CreditDue != 800_00 || st.Tier == crm.TierNone {
			t.Errorf("figures %+v", st)
		}
	})
}
