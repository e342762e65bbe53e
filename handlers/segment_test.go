package handlers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/crm/crmtest"
	"github.com/crmbot/crmbot/handlers"
)

// segmentFixture holds five customers whose every segment is known; the
// clock ends at Monday 2026-11-23 10:00 in Kuala Lumpur.
func segmentFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t)
	end := f.now
	at := func(y int, m time.Month, d int) { f.now = time.Date(y, m, d, 10, 0, 0, 0, kl) }

	// `add` leaves the creation time to the store's clock, so customers are
	// created here with theirs.
	add := func(name, phone string) {
		c := crm.Customer{Name: name, Phones: []string{phone}, CreatedAt: f.now}
		if err := f.db.CreateCustomer(context.Background(), &c, false); err != nil {
			t.Fatal(err)
		}
	}
	at(2026, 6, 1)
	add("Lim Mei Ling", "+60111112222")
	f.ok("sale Lim: 300 MYR Solar Panel kit cash")
	at(2026, 9, 1)
	add("Osman Senyap", "+60113334444")
	f.ok("edit Osman: city=Penang source=newspaper")
	at(2026, 10, 10)
	add("Ahmad Faizal", "+60115555666")
	f.ok("edit Ahmad: city=Kuala Lumpur company=@Evil Co source=referral")
	at(2026, 11, 5)
	add("Siti Nurhaliza", "+60123456789")
	f.ok("edit Siti: city=kuala  lumpur birthday=1990-11-14")
	at(2026, 11, 10)
	f.ok("sale Siti: 1250 MYR solar panel x3 card")
	at(2026, 11, 20)
	add("Tan Ah Kow", "+60198765432")
	f.ok("edit Tan: birthday=1985-12-01")
	f.ok("sale Tan: 800 water pump cash")
	f.now = end
	f.ok("log Tan: called about the pump")
	f.ok("lost Lim: went to competitor Solar Jaya, price")
	if err := f.db.SetTier(context.Background(), f.customer("ahmad").ID, crm.TierHigh); err != nil {
		t.Fatal(err)
	}
	return f
}

var segmentPeople = []string{"Lim Mei Ling", "Osman Senyap", "Ahmad Faizal", "Siti Nurhaliza", "Tan Ah Kow"}

func TestSegmentFilters(t *testing.T) {
	f := segmentFixture(t)
	tests := []struct {
		name string
		line string
		want []string // customers listed; the others must not be
	}{
		{"TierHigh", "segment high", []string{"Ahmad Faizal"}},
		{"TierLow", "segment low", []string{"Siti Nurhaliza", "Tan Ah Kow"}},
		{"TierNever", "segment never", []string{"Osman Senyap"}},
		{"TierLost", "segment lost", []string{"Lim Mei Ling"}},
		{"TierSetting", "segment tier=high", []string{"Ahmad Faizal"}},
		{"CityQuotedIgnoresCaseAndSpaces", `segment city="Kuala Lumpur"`, []string{"Ahmad Faizal", "Siti Nurhaliza"}},
		{"CityUnquoted", "segment city=Kuala Lumpur", []string{"Ahmad Faizal", "Siti Nurhaliza"}},
		{"CityCurlyQuotes", "segment city=“Kuala Lumpur”", []string{"Ahmad Faizal", "Siti Nurhaliza"}},
		{"TierAndCity", `segment tier=high city="Kuala Lumpur"`, []string{"Ahmad Faizal"}},
		{"Source", "segment source=Referral", []string{"Ahmad Faizal"}},
		{"NewThisMonth", "segment new-this-month", []string{"Siti Nurhaliza", "Tan Ah Kow"}},
		{"NewLastMonth", "segment new=last-month", []string{"Ahmad Faizal"}},
		{"NewDays", "segment new=10d", []string{"Tan Ah Kow"}},
		{"Silent60d", "segment silent=60d", []string{"Lim Mei Ling", "Osman Senyap"}},
		{"Silent2d", "segment silent=2d", []string{"Lim Mei Ling", "Osman Senyap", "Ahmad Faizal", "Siti Nurhaliza"}},
		{"BirthdayThisMonth", "segment birthday=this-month", []string{"Siti Nurhaliza"}},
		{"BirthdayNextMonth", "segment birthday=next-month", []string{"Tan Ah Kow"}},
		{"BirthdayMonthNumber", "segment birthday=12", []string{"Tan Ah Kow"}},
		{"BoughtLast90d", `segment bought:"solar panel" last=90d`, []string{"Siti Nurhaliza"}},
		{"BoughtEver", `segment bought:"solar panel"`, []string{"Lim Mei Ling", "Siti Nurhaliza"}},
		{"BoughtUnquotedEquals", "segment bought=solar panel last=200d", []string{"Lim Mei Ling", "Siti Nurhaliza"}},
		{"BoughtAndCity", `segment bought:"solar panel" city="Kuala Lumpur"`, []string{"Siti Nurhaliza"}},
		{"BoughtNothing", `segment bought:"wind turbine"`, nil},
		{"OperatorTextIsJustText", `segment city={"$ne":""}`, nil},
		{"RegexTextIsJustText", `segment bought:.*`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := f.ok(tt.line)
			if len(tt.want) == 0 {
				contains(t, out, "No customer is in this segment")
			} else if len(tt.want) == 1 {
				contains(t, out, "One customer.")
			} else {
				contains(t, out, itoa(len(tt.want))+" customers.")
			}
			for _, p := range segmentPeople {
				in := strings.Contains(out, p)
				want := false
				for _, w := range tt.want {
					want = want || w == p
				}
				if in != want {
					t.Errorf("%s listed: %v, want %v\n%s", p, in, want, out)
				}
			}
		})
	}
}

func itoa(n int) string { return fmtInt(n) }

func fmtInt(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return fmtInt(n/10) + string(rune('0'+n%10))
}

func TestSegmentSaveAndCSV(t *testing.T) {
	f := segmentFixture(t)
	contains(t, f.ok(`segment save vip-kl: tier=high city="Kuala Lumpur"`), "Segment vip-kl saved", `tier=high city="Kuala Lumpur"`, "One customer.")
	t.Run("Saved", func(t *testing.T) {
		contains(t, f.ok("segment vip-kl"), "Segment: vip-kl", "Ahmad Faizal")
	})
	t.Run("SavedNameIgnoresCase", func(t *testing.T) {
		contains(t, f.ok("segment VIP-KL"), "Ahmad Faizal")
	})
	t.Run("Replace", func(t *testing.T) {
		contains(t, f.ok(`segment save vip-kl: city="Kuala Lumpur"`), "Segment vip-kl replaced", "2 customers.")
		contains(t, f.ok("segment vip-kl"), "Ahmad Faizal", "Siti Nurhaliza")
	})
	t.Run("SavedThisMonthStaysCurrent", func(t *testing.T) {
		f.ok("segment save fresh: new-this-month")
		contains(t, f.ok("segment fresh"), "2 customers.")
		old := f.now
		f.now = f.now.AddDate(0, 1, 0)
		contains(t, f.ok("segment fresh"), "No customer is in this segment")
		f.now = old
	})
	t.Run("CSV", func(t *testing.T) {
		rep := f.do("segment vip-kl csv")
		doc := document(t, rep)
		contains(t, rep.Plain(), "2 customers of vip-kl as CSV")
		if doc.Name != "segment-vip-kl-2026-11-23.csv" || doc.Type != "text/csv" {
			t.Errorf("file %q of type %q", doc.Name, doc.Type)
		}
		data := string(doc.Data)
		if !strings.HasPrefix(data, "\uFEFFid,name,company,phone") {
			t.Errorf("CSV file does not start with a byte-order mark and the header: %.60q", data)
		}
		contains(t, data, "Ahmad Faizal,'@Evil Co,'+60115555666", "Siti Nurhaliza")
	})
	t.Run("CSVOfFilter", func(t *testing.T) {
		rep := f.do("segment lost csv")
		contains(t, rep.Plain(), "One customer of lost as CSV")
		doc := document(t, rep)
		contains(t, string(doc.Data), "Lim Mei Ling", "price,Solar Jaya")
		if doc.Name != "segment-lost-2026-11-23.csv" {
			t.Errorf("file %q", doc.Name)
		}
	})
}

// document returns the one file a reply carries.
func document(t *testing.T, rep handlers.Reply) *handlers.Document {
	t.Helper()
	if rep.Error {
		t.Fatalf("refused: %s", rep.Plain())
	}
	var doc *handlers.Document
	for _, b := range rep.Blocks {
		if b.Document != nil {
			if doc != nil {
				t.Fatal("reply carries two files")
			}
			doc = b.Document
		}
	}
	if doc == nil {
		t.Fatalf("reply carries no file:\n%s", rep.Plain())
	}
	return doc
}

func TestSegmentPaging(t *testing.T) {
	f := newFixture(t)
	if err := f.db.ImportCustomers(context.Background(), crmtest.Customers(0, 25, 1)); err != nil {
		t.Fatal(err)
	}
	rep := f.do("segment never")
	contains(t, rep.Plain(), "25 customers.", "Page 1 of 3.", "1. ", "10. ")
	next := ""
	for _, b := range rep.Buttons() {
		if strings.HasPrefix(b.Label, "Next") {
			next = b.Command
		}
		if strings.HasPrefix(b.Label, "◀") {
			t.Errorf("first page offers %q", b.Label)
		}
	}
	if next != "segment never page=2" {
		t.Fatalf("next button = %q", next)
	}
	contains(t, f.ok(next), "Page 2 of 3.", "11. ", "20. ")
	last := f.do("segment never page=3")
	contains(t, last.Plain(), "Page 3 of 3.", "21. ", "25. ", "◀ Previous")
	for _, b := range last.Buttons() {
		if strings.HasPrefix(b.Label, "Next") {
			t.Errorf("last page offers next")
		}
	}
	if strings.Contains(last.Plain(), "26. ") {
		t.Error("page 3 lists a 26th customer")
	}
	t.Run("PageBeyondEndShowsLast", func(t *testing.T) {
		contains(t, f.ok("segment never page=9"), "Page 3 of 3.")
	})
}

func TestSegmentRefusals(t *testing.T) {
	f := segmentFixture(t)
	field := f.staff("telegram:42", crm.RoleField)
	tests := []struct {
		name, line, want string
	}{
		{"Empty", "segment", "Say which customers"},
		{"UnknownField", "segment colour=red", `I cannot filter on "colour"; the fields are tier, city, source, new, silent, birthday, bought, last.`},
		{"DollarField", "segment $where=1", "I do not understand"},
		{"DottedField", "segment stats.tier=high", "I do not understand"},
		{"UnknownSaved", "segment nosuch", `There is no saved segment "nosuch"`},
		{"UnknownWord", "segment high gold", `I do not understand "gold"`},
		{"BadTier", "segment tier=gold", `"gold" is not a tier`},
		{"BadDays", "segment silent=soon", "give a number of days"},
		{"TooManyDays", "segment silent=99999d", "give a number of days"},
		{"BadBirthday", "segment birthday=13", "birthday=13"},
		{"BadPeriod", "segment new=yesterday", "is not a period"},
		{"LastWithoutBought", "segment last=30d", "last= goes with bought:"},
		{"Twice", "segment tier=high tier=low", "tier is given twice"},
		{"BadPage", "segment high page=0", "page= takes a page number"},
		{"SavedPlusFilter", `segment save kl: city="Kuala Lumpur"`, "Segment kl saved"},
		{"SaveNoColon", "segment save vip high", "Give the name, a colon"},
		{"SaveReservedName", "segment save high: city=Penang", `"high" cannot name a segment`},
		{"SaveBadName", "segment save VIP KL!: city=Penang", "cannot name a segment"},
		{"SaveUnknownField", "segment save x1: colour=red", `I cannot filter on "colour"`},
		{"SaveWithPage", "segment save x2: high page=2", `I cannot filter on "page"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := f.do(tt.line)
			if tt.name == "SavedPlusFilter" {
				contains(t, rep.Plain(), tt.want)
				rep = f.do("segment kl high")
				tt.want = "only page=N or csv"
			}
			if !rep.Error || !strings.Contains(rep.Plain(), tt.want) {
				t.Fatalf("%q: reply %q, want a refusal with %q", tt.line, rep.Plain(), tt.want)
			}
		})
	}
	t.Run("FieldStaffListsButCannotSaveOrExport", func(t *testing.T) {
		if rep := f.as(field, "segment high"); rep.Error {
			t.Fatalf("field staff refused a list: %s", rep.Plain())
		}
		for _, line := range []string{"segment save mine: tier=high", "segment high csv"} {
			if rep := f.as(field, line); !rep.Error || !strings.Contains(rep.Plain(), "Only managers") {
				t.Errorf("%q by field staff: %s", line, rep.Plain())
			}
		}
	})
	t.Run("NothingSavedByRefusals", func(t *testing.T) {
		for _, name := range []string{"x1", "x2", "high"} {
			if rep := f.do("segment " + name); !rep.Error && name != "high" {
				t.Errorf("segment %s exists after a refused save", name)
			}
		}
	})
}
