package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/crmbot/crmbot/crm"
)

// errCrash stands for the process dying at a step.
var errCrash = errors.New("crash")

// TestEnrolCrashAtEveryStep stops an enrolment by invite at each of its
// steps, restarts (FinishIntents, as Open does), and checks that the
// person is enrolled once, the code used by them, and nothing left over.
// The same person trying again before the restart gets the same result.
func TestEnrolCrashAtEveryStep(t *testing.T) {
	steps := []string{"enrol/recorded", "enrol/redeemed", "enrol/identity"}
	for _, step := range steps {
		for _, retry := range []bool{false, true} {
			name := step
			if retry {
				name += "/ThenTriesAgain"
			}
			t.Run(name, func(t *testing.T) {
				ctx := context.Background()
				db := MustOpenDB(t)
				now := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
				must(t, db.CreateInvite(ctx, &crm.Invite{Code: "CODE1", Role: crm.RoleField, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}))
				db.SetFailpoint(func(s string) error {
					if s == step {
						return errCrash
					}
					return nil
				})
				s := &crm.Staff{Name: "Aminah", Identities: []crm.Identity{"telegram:77"}}
				if _, err := db.EnrollByInvite(ctx, "CODE1", s, now); !errors.Is(err, errCrash) {
					t.Fatalf("enrolment stopped at %s: %v", step, err)
				}
				db.SetFailpoint(nil)
				if retry {
					again := &crm.Staff{Name: "Aminah", Identities: []crm.Identity{"telegram:77"}}
					if _, err := db.EnrollByInvite(ctx, "CODE1", again, now); err != nil {
						t.Fatalf("trying again: %v", err)
					}
				}
				if _, err := db.FinishIntents(ctx, time.Now().Add(time.Hour)); err != nil {
					t.Fatal(err)
				}
				got, err := db.StaffByIdentity(ctx, "telegram:77")
				if err != nil || got.Role != crm.RoleField || !got.Active {
					t.Fatalf("after restart: %+v, %v", got, err)
				}
				if n, _ := db.Database().Collection("staff").CountDocuments(ctx, map[string]any{}); n != 1 {
					t.Errorf("%d staff documents, want 1", n)
				}
				if n, _ := db.Database().Collection("intents").CountDocuments(ctx, map[string]any{}); n != 0 {
					t.Errorf("%d intents left", n)
				}
				// The code is spent: nobody else gets in with it.
				other := &crm.Staff{Name: "Mallory", Identities: []crm.Identity{"telegram:66"}}
				if _, err := db.EnrollByInvite(ctx, "CODE1", other, now); crm.ErrorCode(err) != crm.ECONFLICT {
					t.Errorf("a second person with the code: %v, want conflict", err)
				}
			})
		}
	}
}

// TestEnrolTakenIdentityUndone: an enrolment whose identity belongs to
// someone else leaves the code unused and no staff behind.
func TestEnrolTakenIdentityUndone(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	now := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
	must(t, db.CreateInvite(ctx, &crm.Invite{Code: "CODE2", Role: crm.RoleRep, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}))
	must(t, db.EnrollStaff(ctx, &crm.Staff{Name: "First", Role: crm.RoleField, Identities: []crm.Identity{"telegram:5"}}))
	s := &crm.Staff{Name: "Second", Identities: []crm.Identity{"slack:U5", "telegram:5"}}
	if _, err := db.EnrollByInvite(ctx, "CODE2", s, now); crm.ErrorCode(err) != crm.ECONFLICT {
		t.Fatalf("enrol with a taken identity: %v, want conflict", err)
	}
	if _, err := db.StaffByIdentity(ctx, "slack:U5"); crm.ErrorCode(err) != crm.ENOTFOUND {
		t.Errorf("the free identity stayed claimed: %v", err)
	}
	if _, err := db.EnrollByInvite(ctx, "CODE2", &crm.Staff{Name: "Third", Identities: []crm.Identity{"telegram:6"}}, now); err != nil {
		t.Errorf("the code after the refused enrolment: %v", err)
	}
}

// TestEnrolRace: five people redeem one code at once; one is enrolled.
func TestEnrolRace(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	now := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
	must(t, db.CreateInvite(ctx, &crm.Invite{Code: "RACE", Role: crm.RoleField, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}))
	errs := make(chan error, 5)
	for i := range 5 {
		go func() {
			_, err := db.EnrollByInvite(ctx, "RACE", &crm.Staff{Name: "P", Identities: []crm.Identity{crm.Identity("telegram:90" + string(rune('0'+i)))}}, now)
			errs <- err
		}()
	}
	won := 0
	for range 5 {
		switch err := <-errs; crm.ErrorCode(err) {
		case "":
			won++
		case crm.ECONFLICT:
		default:
			t.Errorf("enrol: %v", err)
		}
	}
	if won != 1 {
		t.Errorf("%d people enrolled with one code, want 1", won)
	}
}

// TestAddCrashAtEveryStep stops adding a customer at each step, restarts,
// and checks the customer is there once, found by phone, e-mail and name,
// and that adding them again is refused as a duplicate.
func TestAddCrashAtEveryStep(t *testing.T) {
	for _, step := range []string{"add/recorded", "add/inserted", "add/keyed"} {
		t.Run(step, func(t *testing.T) {
			ctx := context.Background()
			db := MustOpenDB(t)
			db.SetFailpoint(func(s string) error {
				if s == step {
					return errCrash
				}
				return nil
			})
			c := &crm.Customer{Name: "Siti Nurhaliza", Phones: []string{"+60123456789"}, Emails: []string{"siti@nur.my"}}
			if err := db.CreateCustomer(ctx, c, false); !errors.Is(err, errCrash) {
				t.Fatalf("add stopped at %s: %v", step, err)
			}
			db.SetFailpoint(nil)
			if _, err := db.FinishIntents(ctx, time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			mustFindOnce(t, db, c.ID)
			again := &crm.Customer{Name: "Siti Nurhaliza", Phones: []string{"+60123456789"}}
			if err := db.CreateCustomer(ctx, again, false); crm.ErrorCode(err) != crm.ECONFLICT {
				t.Errorf("adding the same phone again: %v, want conflict", err)
			}
		})
	}
}

// TestImportCrashAfterInsert stops an import batch between the insert and
// the keys; after a restart every customer of it is found once.
func TestImportCrashAfterInsert(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	db.SetFailpoint(func(s string) error {
		if s == "import/inserted" {
			return errCrash
		}
		return nil
	})
	cs := []*crm.Customer{
		{Name: "Siti Nurhaliza", Phones: []string{"+60123456789"}, Emails: []string{"siti@nur.my"}},
		{Name: "Tan Ah Kow", Phones: []string{"+60198765432"}, Emails: []string{"tan@kow.my"}},
	}
	if err := db.ImportCustomers(ctx, cs); !errors.Is(err, errCrash) {
		t.Fatalf("import stopped after the insert: %v", err)
	}
	db.SetFailpoint(nil)
	if n, err := db.FinishIntents(ctx, time.Now().Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("FinishIntents = %d, %v; want the one batch", n, err)
	}
	for _, c := range cs {
		mustFindOnce(t, db, c.ID)
	}
}

// mustFindOnce checks that a customer is found by each phone, e-mail and
// its name, once.
func mustFindOnce(t *testing.T, db interface {
	Customer(context.Context, crm.CustomerID) (*crm.Customer, error)
	CustomersByPhone(context.Context, string) ([]*crm.Customer, error)
	CustomersByEmail(context.Context, string) ([]*crm.Customer, error)
	FindCustomers(context.Context, string, int) ([]*crm.Customer, int, error)
}, id crm.CustomerID) {
	t.Helper()
	ctx := context.Background()
	c, err := db.Customer(ctx, id)
	if err != nil {
		t.Fatalf("customer %s: %v", id, err)
	}
	for _, p := range c.Phones {
		if got, _ := db.CustomersByPhone(ctx, p); len(got) != 1 || got[0].ID != id {
			t.Errorf("by phone %s: %d found", p, len(got))
		}
	}
	for _, e := range c.Emails {
		if got, _ := db.CustomersByEmail(ctx, e); len(got) != 1 || got[0].ID != id {
			t.Errorf("by e-mail %s: %d found", e, len(got))
		}
	}
	if got, _, _ := db.FindCustomers(ctx, c.Name, 5); len(got) != 1 || got[0].ID != id {
		t.Errorf("by name %q: %d found", c.Name, len(got))
	}
}

// TestReminderCrashAfterInsert: a reminder stopped between its insert and
// its keys is listed as open and under its due day after a restart, so it
// is nudged.
func TestReminderCrashAfterInsert(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	db.SetFailpoint(func(s string) error {
		if s == "remind/inserted" {
			return errCrash
		}
		return nil
	})
	due := time.Date(2026, 12, 9, 9, 0, 0, 0, time.UTC)
	r := &crm.Reminder{Staff: "s1", Customer: "Siti", DueAt: due, Text: "send the catalogue"}
	if err := db.AddReminder(ctx, r); !errors.Is(err, errCrash) {
		t.Fatalf("reminder stopped after the insert: %v", err)
	}
	db.SetFailpoint(nil)
	if _, err := db.FinishIntents(ctx, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if open, _ := db.OpenReminders(ctx, "s1"); len(open) != 1 || open[0].ID != r.ID {
		t.Errorf("open reminders after restart: %+v", open)
	}
	if due, _ := db.DueReminders(ctx, due.Add(-time.Hour), due.Add(time.Minute)); len(due) != 1 {
		t.Errorf("due reminders after restart: %d, want 1", len(due))
	}
}
