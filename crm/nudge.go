package crm

import (
	"context"
	"time"
)

// Scheduled deliveries: follow-up nudges, care lists and digests, each sent
// to one staff member once. The protocol (RELIABILITY.md) uses nothing but
// inserts of deterministic ids, the one write that is atomic on MongoDB and
// on the embedded store alike:
//
//	<delivery>       planned once ("nudge:<reminder>:<due>", "care:<staff>:<day>:<kind>", "digest:<staff>:<day>")
//	<delivery>#<n>   attempt n claimed by one worker until its lease lapses
//	<delivery>!sent  the platform accepted it; the first mark wins
//
// A worker may take attempt n+1 only once attempt n's lease has lapsed or
// it gave the attempt up, and before sending or marking it checks that no
// attempt above its own exists, so a stale worker is fenced off.

// Delivery kinds.
const (
	DeliveryNudge  = "nudge"  // a follow-up reminder came due
	DeliveryCare   = "care"   // the day's care list of one kind for a customer owner
	DeliveryDigest = "digest" // the managers' morning digest
	DeliveryJob    = "job"    // a run (the daily care computation) claimed like a delivery
)

// Delivery states.
const (
	StatePending   = "pending"   // waiting for its time or its next attempt
	StateSent      = "sent"      // the platform accepted it
	StateDead      = "dead"      // given up after the last attempt; kept for inspection
	StateCancelled = "cancelled" // no longer wanted (the reminder was done first)
)

// CareItem is one thing a care list asks its reader to do about a customer.
type CareItem struct {
	Customer CustomerID
	Reason   string // "birthday", "anniversary", "family_birthday", "quiet_high", "quiet", "credit_due", "credit_overdue", "complaint", "reorder"
	// On is the day the item is about ("2026-12-01": the birthday, the due date).
	On string
	// Who names the family member, or holds the complaint number or the sale id.
	Who string
	// Days is a count that goes with the reason: days since the last contact, days until or past due.
	Days int
	// Amount is the money at stake, in minor units of Currency.
	Amount   int64
	Currency string
}

// Delivery is one planned message to one staff member.
type Delivery struct {
	ID    string
	Kind  string
	Staff StaffID
	// DueAt: not sent before this.
	DueAt time.Time
	// Automatic deliveries wait for the end of quiet hours; a reminder set
	// for an explicit time does not.
	Automatic bool
	Reminder  string     // a nudge's reminder id
	Day       string     // the local day a care list or digest is for, "2006-01-02"
	Items     []CareItem // a care list's items
	CreatedAt time.Time

	// Kept up to date by the store and the workers; informative, the claim
	// documents are the truth.
	State     string
	Attempts  int
	NextAt    time.Time // no new attempt before this
	LastError string
	SentAt    time.Time
	Via       Identity // where it was accepted
}

// Claim is a worker's hold on one attempt at a delivery.
type Claim struct {
	Delivery  string
	Attempt   int
	Owner     string
	At        time.Time
	LeaseTill time.Time
}

// RescueCounts says what one rescuer pass did.
type RescueCounts struct {
	Retry int // lapsed attempts whose delivery may be tried again
	Live  int // attempts still under a live lease, left alone
	Dead  int // lapsed at the last attempt: given up
}

// NudgeStore keeps planned deliveries and their claims.
// Implementations must be safe for concurrent use by any number of replicas.
type NudgeStore interface {
	// PlanDelivery stores d (State pending) unless a delivery with d.ID
	// exists, and reports whether this call stored it.
	PlanDelivery(ctx context.Context, d *Delivery) (bool, error)
	// Delivery returns one delivery. Returns ENOTFOUND if there is none.
	Delivery(ctx context.Context, id string) (*Delivery, error)
	// PendingDeliveries returns up to limit pending deliveries due and not
	// held back (NextAt) at now, earliest first.
	PendingDeliveries(ctx context.Context, now time.Time, limit int) ([]Delivery, error)
	// ClaimDelivery takes the next attempt of a delivery for owner until
	// now+lease. Returns ECONFLICT when the delivery is sent, finished, or
	// its latest attempt is still held; EINVALID (key "err_attempts_spent")
	// when the next attempt would exceed maxAttempts.
	ClaimDelivery(ctx context.Context, id, owner string, now time.Time, lease time.Duration, maxAttempts int) (Claim, error)
	// Current reports whether c is still the latest attempt of an unsent
	// delivery: false once another worker took a later attempt or a mark
	// was made. A worker checks it before sending.
	Current(ctx context.Context, c Claim) (bool, error)
	// MarkDelivered records that the platform accepted c's message through via.
	// Returns ECONFLICT if c was fenced off by a later attempt or the
	// delivery was already marked.
	MarkDelivered(ctx context.Context, c Claim, at time.Time, via Identity) error
	// GiveUp ends c's attempt without sending: the next attempt may start
	// at next; with state dead or cancelled the delivery is finished.
	// Returns ECONFLICT if c was fenced off.
	GiveUp(ctx context.Context, c Claim, state string, next time.Time, reason string) error
	// Rescue looks at every pending delivery whose latest attempt's lease
	// lapsed before now: it may be retried, or is dead at maxAttempts.
	Rescue(ctx context.Context, now time.Time, maxAttempts int) (RescueCounts, error)
	// ForgetDeliveries deletes finished deliveries and their claims created
	// before t; a periodic clean-up.
	ForgetDeliveries(ctx context.Context, before time.Time) (int64, error)
}

// SchedulerStore is what the scheduler reads besides its deliveries. On the
// embedded store any filter other than {_id: value} scans its collection
// (DESIGN §5), so every daily question is answered from _id-keyed index
// documents kept by the writes that change the answer. Days are UTC
// calendar days, "2006-01-02".
type SchedulerStore interface {
	NudgeStore
	// FinishIntents completes (or undoes) the multi-document writes left
	// unfinished since before: cut short by a crash or a failing store. It
	// reports how many it found.
	FinishIntents(ctx context.Context, before time.Time) (int, error)
	// DueReminders returns open reminders due by now (at or before) listed in
	// the due-day index for the days from since to now, earliest first.
	DueReminders(ctx context.Context, since, now time.Time) ([]Reminder, error)
	// Reminder returns one reminder. Returns ENOTFOUND if there is none.
	Reminder(ctx context.Context, id string) (*Reminder, error)
	// Unlist takes a reminder off the due-day index once its nudge is planned.
	Unlist(ctx context.Context, r Reminder) error
	// IndexReminders lists every open reminder in the due-day index, once per
	// database (the index came after the reminders); it reports how many.
	IndexReminders(ctx context.Context) (int, error)
	// CustomersWithDate returns the customers with a birthday or
	// anniversary, their own or a family member's, on monthDay ("03-14").
	// The caller checks the dates: an entry may be stale.
	CustomersWithDate(ctx context.Context, monthDay string) ([]*Customer, error)
	// CustomersLastContacted returns the customers last contacted (or, never
	// contacted, created) on day.
	CustomersLastContacted(ctx context.Context, day string) ([]*Customer, error)
	// CustomersReorderDue returns repeat buyers whose mean interval between
	// orders, counted from their last order, ends on day.
	CustomersReorderDue(ctx context.Context, day string) ([]*Customer, error)
	// CustomersCreated and CustomersLost return the customers added, or
	// marked lost, on day.
	CustomersCreated(ctx context.Context, day string) ([]*Customer, error)
	CustomersLost(ctx context.Context, day string) ([]*Customer, error)
	// HighValueCustomers returns the customers in the high tier.
	HighValueCustomers(ctx context.Context) ([]*Customer, error)
	// CreditSalesDue returns the credit sales falling due on day.
	CreditSalesDue(ctx context.Context, day string) ([]Sale, error)
	// InteractionsOn and SalesOn return what was recorded on day.
	InteractionsOn(ctx context.Context, day string) ([]Interaction, error)
	SalesOn(ctx context.Context, day string) ([]Sale, error)
	// ComplaintsSince returns the open complaints and those resolved at or
	// after since. Complaints are few: this one scans their collection.
	ComplaintsSince(ctx context.Context, since time.Time) ([]Complaint, error)
}
