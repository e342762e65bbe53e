package crm

import (
	"context"
	"time"
)

// AuditEntry is one change a staff member made: who, when, the request as
// they typed it, and the customer it changed, if any. Entries are only ever
// added, so the trail survives merges and undos (which add entries of
// their own).
type AuditEntry struct {
	ID        string
	At        time.Time
	Staff     StaffID
	StaffName string
	Command   string // the command word, e.g. "sale"
	Text      string // the request, clipped
	Customer  CustomerID
}

// AuditStore keeps the audit trail.
type AuditStore interface {
	// Audit appends e (with a new ID) and lists it under its customer, or
	// under the staff changes when it names none.
	Audit(ctx context.Context, e *AuditEntry) error
	// History returns up to limit of a customer's entries, newest first; an
	// empty id gives the changes to staff (roles, access).
	History(ctx context.Context, customer CustomerID, limit int) ([]AuditEntry, error)
}
