package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/crmbot/crmbot/crm"
)

// TestHandOver: everything moves once; a second run, as after an
// interruption, moves nothing twice.
func TestHandOver(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	from, to := crm.StaffID("s-from"), crm.StaffID("s-to")
	for i, name := range []string{"Siti Nurhaliza", "Tan Ah Kow", "陈大文"} {
		mustCreate(t, db, crm.Customer{Name: name, Owner: from, Phones: []string{"+6012345678" + string(rune('0'+i))}})
	}
	mustCreate(t, db, crm.Customer{Name: "Somebody Else", Owner: to})
	due := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for range 2 {
		must(t, db.AddReminder(ctx, &crm.Reminder{Staff: from, Customer: "Siti", DueAt: due, Text: "call"}))
	}
	cs, rs, err := db.HandOver(ctx, from, to)
	if err != nil || cs != 3 || rs != 2 {
		t.Fatalf("HandOver = %d customers, %d reminders, %v; want 3, 2", cs, rs, err)
	}
	if cs, rs, err := db.HandOver(ctx, from, to); err != nil || cs+rs != 0 {
		t.Errorf("second HandOver moved %d customers, %d reminders, %v; want nothing", cs, rs, err)
	}
	if got, _ := db.OpenReminders(ctx, to); len(got) != 2 {
		t.Errorf("%d reminders now open for to, want 2", len(got))
	}
	if got, _ := db.CustomersOwnedBy(ctx, to, 10); len(got) != 4 {
		t.Errorf("%d customers owned by to, want 4", len(got))
	}
}

// TestTouchStaff: last activity only moves forward.
func TestTouchStaff(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	s, err := db.EnsureStaff(ctx, &crm.Staff{Name: "Aminah", Role: crm.RoleField, Identities: []crm.Identity{"telegram:9"}})
	must(t, err)
	later := time.Date(2026, 12, 8, 10, 0, 0, 0, time.UTC)
	must(t, db.TouchStaff(ctx, s.ID, later))
	must(t, db.TouchStaff(ctx, s.ID, later.Add(-time.Hour)))
	got, err := db.Staff(ctx, s.ID)
	if err != nil || !got.LastSeen.Equal(later) {
		t.Errorf("LastSeen = %v, %v; want %v", got.LastSeen, err, later)
	}
	must(t, db.SetStaffActive(ctx, s.ID, false))
	if former, _ := db.FormerStaff(ctx); len(former) != 1 || former[0].ID != s.ID {
		t.Errorf("FormerStaff = %+v", former)
	}
}
