package crm

import (
	"context"
	"time"
)

// Reminder is a follow-up a staff member asked to be nudged about.
type Reminder struct {
	ID         string
	Staff      StaffID
	CustomerID CustomerID
	Customer   string // name when set, for lists without a lookup
	DueAt      time.Time
	Text       string
	CreatedAt  time.Time
	DoneAt     time.Time // zero while open
}

// ReminderStore keeps follow-ups.
type ReminderStore interface {
	// AddReminder stores r with a new ID.
	AddReminder(ctx context.Context, r *Reminder) error
	// OpenReminders returns a staff member's open reminders, earliest first.
	OpenReminders(ctx context.Context, staff StaffID) ([]Reminder, error)
	// RemindersDue returns every open reminder due before t, earliest first.
	RemindersDue(ctx context.Context, before time.Time) ([]Reminder, error)
	// CompleteReminder marks a reminder done. Returns ENOTFOUND if there is none.
	CompleteReminder(ctx context.Context, id string, at time.Time) error
}
