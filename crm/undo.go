package crm

import (
	"context"
	"time"
)

// WriteKind names a staff write that undo can take back.
type WriteKind string

// The writes undo takes back.
const (
	WriteSale            WriteKind = "sale"
	WriteLog             WriteKind = "log"
	WriteComplaint       WriteKind = "complaint"
	WriteResolve         WriteKind = "resolve"
	WriteReminder        WriteKind = "reminder"
	WriteEditSale        WriteKind = "edit_sale"
	WriteEditLog         WriteKind = "edit_log"
	WriteEditComplaint   WriteKind = "edit_complaint"
	WriteDeleteSale      WriteKind = "delete_sale"
	WriteDeleteLog       WriteKind = "delete_log"
	WriteDeleteComplaint WriteKind = "delete_complaint"
	WriteEditCustomer    WriteKind = "edit_customer"
	WriteDone            WriteKind = "done" // a reminder marked done (also the first half of a snooze)
	WriteLost            WriteKind = "lost"
)

// Write is one staff write as undo sees it. For a new record it holds the
// record as written; for an edit or a delete, the record as it was before.
type Write struct {
	Kind        WriteKind
	Staff       StaffID
	At          time.Time
	CustomerID  CustomerID
	Sale        *Sale
	Interaction *Interaction
	Complaint   *Complaint
	// Customer is the customer before an edit of their details.
	Customer *Customer
	// Reminders are the reminders the write added: a remind, or the
	// follow-up of a logged contact.
	Reminders []Reminder
	// WonBack is the lost mark a sale cleared.
	WonBack *WinBack
	// Edited is, when Undo takes back an edit, the record as the edit
	// left it (one of the three is set), to show what the undo changed.
	Edited struct {
		Sale        *Sale
		Interaction *Interaction
		Complaint   *Complaint
	}
}

// SaleEdit is a correction of a sale; nil fields are left alone. Credit is
// the terms when the payment becomes or stays credit.
type SaleEdit struct {
	Amount   *Money
	Product  *string
	Quantity *int
	Payment  *PaymentMethod
	Credit   *Credit
}

// ComplaintEdit is a correction of a complaint; nil fields are left alone.
type ComplaintEdit struct {
	Text    *string
	Product *string
}

// RecordStore corrects and takes back what staff wrote. Every change keeps
// the customer's derived figures as if the record had been written right
// the first time. Implementations must be safe for concurrent use.
type RecordStore interface {
	// SaleByNo and InteractionByNo return one record by its number.
	// Return ENOTFOUND if there is none.
	SaleByNo(ctx context.Context, no SaleNo) (*Sale, error)
	InteractionByNo(ctx context.Context, no LogNo) (*Interaction, error)
	// EditSale, EditInteraction and EditComplaint correct one record and
	// return it before and after. Return ENOTFOUND if there is none.
	EditSale(ctx context.Context, no SaleNo, e SaleEdit, by StaffID, at time.Time, tier func(Stats) Tier) (before, after *Sale, err error)
	EditInteraction(ctx context.Context, no LogNo, notes string, by StaffID, at time.Time) (before, after *Interaction, err error)
	EditComplaint(ctx context.Context, no ComplaintNo, e ComplaintEdit, by StaffID, at time.Time) (before, after *Complaint, err error)
	// DeleteSale, DeleteInteraction and DeleteComplaint remove one record
	// and return it. Return ENOTFOUND if there is none.
	DeleteSale(ctx context.Context, no SaleNo, by StaffID, at time.Time, tier func(Stats) Tier) (*Sale, error)
	DeleteInteraction(ctx context.Context, no LogNo, by StaffID, at time.Time) (*Interaction, error)
	DeleteComplaint(ctx context.Context, no ComplaintNo, by StaffID, at time.Time) (*Complaint, error)
	// NoteCustomerEdit records that by changed a customer's details or lost
	// mark (kind WriteEditCustomer or WriteLost), before being the customer
	// as it was, so undo can put them back.
	NoteCustomerEdit(ctx context.Context, kind WriteKind, by StaffID, at time.Time, before *Customer) error
	// Undo takes back staff's latest write not taken back yet and returns
	// it; called again, it takes back the one before. Returns ENOTFOUND
	// when there is none and EINVALID when the latest is older than since.
	Undo(ctx context.Context, staff StaffID, since, at time.Time, tier func(Stats) Tier) (*Write, error)
}
