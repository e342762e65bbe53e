package handlers_test

import (
	"context"
	"strings"
	"testing"

	"github.com/crmbot/crmbot/crm"
)

func TestDuplicates(t *testing.T) {
	f := newFixture(t)
	t.Run("None", func(t *testing.T) {
		f.ok("add Lone Ranger 011-0000 0001")
		contains(t, f.ok("duplicates"), "No likely duplicates")
	})
	f.ok("add Siti Nurhaliza 012-345 6789 siti@example.my")
	f.ok("add Siti Binti Ali 012-345 6789 force=yes")
	f.ok("add Aminah Yusof 011-2222 3333 aminah@example.my")
	f.ok("add Aminah Y 011-2222 4444 aminah@example.my force=yes")
	f.ok("add Tan Ah Kow 019-876 5432")
	f.ok("add Tan Ah Kaw 019-000 1111")
	f.ok("add Lim Wei 011-9999 0000")
	f.ok("add Wei Lim 011-9999 1111")
	f.ok("edit Tan Ah Kow: company=Nur Trading")
	f.ok("edit Tan Ah Kaw: company=nur  trading")
	f.ok("edit Lim Wei: company=Solar Jaya")
	f.ok("edit Wei Lim: company=Solar Jaya")
	rep := f.do("duplicates")
	out := rep.Plain()
	contains(t, out, "4 likely duplicates", "same phone +60 12-345 6789", "same e-mail aminah@example.my",
		"near-identical names at nur trading", "near-identical names at solar jaya")
	if strings.Contains(out, "Lone Ranger") {
		t.Errorf("a customer without a twin is listed:\n%s", out)
	}
	for _, b := range rep.Buttons() {
		if !strings.HasPrefix(b.Command, "merge #") || len(b.Command) > 64 {
			t.Errorf("button %q", b.Command)
		}
	}
}

func TestMergeAndUndo(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.ok("add Siti Nurhaliza 012-345 6789 siti@example.my")
	f.ok("edit Siti Nurhaliza: city=Kuala Lumpur")
	f.ok("sale Siti Nurhaliza: 1250 MYR solar panel card")
	f.ok("add Siti Binti Ali 019-111 2222 siti.ali@example.my")
	f.ok("edit Siti Binti Ali: city=Ipoh hobby=golf company=Ali Sdn Bhd")
	f.ok("sale Siti Binti Ali: 500 MYR water pump cash")
	f.ok("log Siti Binti Ali: asked about the warranty")
	f.ok("complaint Siti Binti Ali: pump leaks")
	f.ok("remind Siti Binti Ali 2026-12-01 09:00: call back")
	keep, gone := f.customer("nurhaliza"), f.customer("binti")

	out := f.ok("merge Siti Nurhaliza, Siti Binti Ali")
	contains(t, out, "Siti Binti Ali merged into Siti Nurhaliza", "1 interactions, 1 sales, 1 complaints, 1 reminders", "merge undo 1")

	t.Run("KeptHasEverything", func(t *testing.T) {
		c, err := f.db.Customer(ctx, keep.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Stats.Orders != 2 || c.Stats.Spent["MYR"] != 175000 || c.Stats.Complaints != 1 || c.Stats.OpenComplaints != 1 || len(c.Open) != 1 {
			t.Errorf("stats %+v, open %v", c.Stats, c.Open)
		}
		if c.City != "Kuala Lumpur" || c.Company != "Ali Sdn Bhd" || len(c.Hobbies) != 1 || len(c.Phones) != 2 || len(c.Emails) != 2 {
			t.Errorf("profile: city %q company %q hobbies %v phones %v emails %v", c.City, c.Company, c.Hobbies, c.Phones, c.Emails)
		}
		if len(c.Recent) != 1 || c.Recent[0].Notes == "" {
			t.Errorf("recent %+v", c.Recent)
		}
	})
	t.Run("GoneIsGoneAndLookupsPointToKept", func(t *testing.T) {
		if _, err := f.db.Customer(ctx, gone.ID); crm.ErrorCode(err) != crm.ENOTFOUND {
			t.Errorf("merged customer still there: %v", err)
		}
		for _, q := range []string{"019-111 2222", "siti.ali@example.my"} {
			contains(t, f.ok("find "+q), "Siti Nurhaliza")
		}
		// The gone record's name still finds the customer it became.
		contains(t, f.ok("find binti"), "Siti Nurhaliza")
		sales, _ := f.db.SalesOn(ctx, f.now.UTC().Format("2006-01-02"))
		for _, s := range sales {
			if s.CustomerID != keep.ID {
				t.Errorf("sale %s of %s, want %s", s.Product, s.CustomerID, keep.ID)
			}
		}
		cmp, err := f.db.Complaint(ctx, 1)
		if err != nil || cmp.CustomerID != keep.ID {
			t.Errorf("complaint 1 of %v, %v", cmp, err)
		}
		rs, _ := f.db.OpenReminders(ctx, f.admin.ID)
		if len(rs) != 1 || rs[0].CustomerID != keep.ID {
			t.Errorf("reminders %+v", rs)
		}
	})

	f.ok("sale Siti Nurhaliza: 100 MYR cable cash") // recorded after the merge: stays on the kept customer
	out = f.ok("merge undo 1")
	contains(t, out, "Merge 1 undone", "Siti Binti Ali is back")

	t.Run("UndoRestores", func(t *testing.T) {
		b, err := f.db.Customer(ctx, gone.ID)
		if err != nil {
			t.Fatal(err)
		}
		if b.Stats.Orders != 1 || b.Stats.Spent["MYR"] != 50000 || b.City != "Ipoh" || b.Stats.OpenComplaints != 1 {
			t.Errorf("restored %+v", b)
		}
		a, err := f.db.Customer(ctx, keep.ID)
		if err != nil {
			t.Fatal(err)
		}
		if a.Stats.Orders != 2 || a.Stats.Spent["MYR"] != 135000 || a.Stats.OpenComplaints != 0 || len(a.Open) != 0 ||
			len(a.Phones) != 1 || len(a.Emails) != 1 || len(a.Hobbies) != 0 || a.Company != "" || a.City != "Kuala Lumpur" || len(a.Recent) != 0 {
			t.Errorf("kept after undo: %+v", a)
		}
		contains(t, f.ok("find 019-111 2222"), "Siti Binti Ali")
		contains(t, f.ok("find binti"), "Siti Binti Ali")
		if strings.Contains(f.ok("find 019-111 2222"), "Nurhaliza") {
			t.Error("the kept customer still holds the restored phone")
		}
		if len(a.MergedNames) != 0 || strings.Contains(f.ok("find binti"), "Nurhaliza") {
			t.Errorf("the kept customer is still found by the restored name: %q", a.MergedNames)
		}
		if cmp, _ := f.db.Complaint(ctx, 1); cmp == nil || cmp.CustomerID != gone.ID {
			t.Errorf("complaint 1 not moved back: %+v", cmp)
		}
		rs, _ := f.db.OpenReminders(ctx, f.admin.ID)
		if len(rs) != 1 || rs[0].CustomerID != gone.ID {
			t.Errorf("reminders %+v", rs)
		}
	})

	refusals := []struct{ name, line, want string }{
		{"UndoTwice", "merge undo 1", "already undone"},
		{"UndoUnknown", "merge undo 99", "no merge number 99"},
		{"UndoNotANumber", "merge undo last", "Give the merge's number"},
		{"Self", "merge Siti Nurhaliza, Siti Nurhaliza", "cannot be merged with itself"},
		{"SelfByID", "merge #" + string(keep.ID) + " #" + string(keep.ID), "cannot be merged with itself"},
		{"OneCustomer", "merge Siti Nurhaliza", "separated by a comma"},
		{"UnknownCustomer", "merge Siti Nurhaliza, Nobody Here", "No customer matches"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			rep := f.do(tt.line)
			if !rep.Error || !strings.Contains(rep.Plain(), tt.want) {
				t.Fatalf("%q: %q, want refusal with %q", tt.line, rep.Plain(), tt.want)
			}
		})
	}
	t.Run("FieldStaffCannotMerge", func(t *testing.T) {
		field := f.staff("telegram:42", crm.RoleField)
		for _, line := range []string{"duplicates", "merge Siti Nurhaliza, Siti Binti Ali"} {
			if rep := f.as(field, line); !rep.Error {
				t.Errorf("%q by field staff: %s", line, rep.Plain())
			}
		}
		if _, err := f.db.Customer(ctx, gone.ID); err != nil {
			t.Errorf("refused merge removed a customer: %v", err)
		}
	})
}
