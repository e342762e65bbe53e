package crm

import (
	"context"
	"time"
)

// ComplaintNo is the number staff use to name a complaint ("resolve 12").
type ComplaintNo int64

// ComplaintKind tells a complaint from a return or a support call.
type ComplaintKind string

// The kinds of feedback handled like complaints.
const (
	ComplaintKindComplaint ComplaintKind = "complaint"
	ComplaintKindReturn    ComplaintKind = "return"
	ComplaintKindSupport   ComplaintKind = "support"
)

// Resolution is how a complaint was settled.
type Resolution string

// The resolutions a complaint can end with.
const (
	ResolutionFixed       Resolution = "fixed"
	ResolutionRefund      Resolution = "refund"
	ResolutionReplacement Resolution = "replacement"
	ResolutionOther       Resolution = "other"
)

// Complaint is a complaint, a product return or a support call.
type Complaint struct {
	No         ComplaintNo
	CustomerID CustomerID
	Kind       ComplaintKind
	Product    string
	Text       string
	OpenedBy   StaffID
	Owner      StaffID
	OpenedAt   time.Time
	Photos     []string

	ResolvedAt time.Time // zero while open
	ResolvedBy StaffID
	Resolution Resolution
	Note       string
	Satisfied  *bool
}

// Open reports whether the complaint still waits for a resolution.
func (c *Complaint) Open() bool { return c.ResolvedAt.IsZero() }

// ComplaintSummary is what a customer card shows of an open complaint.
type ComplaintSummary struct {
	No       ComplaintNo
	Text     string
	OpenedAt time.Time
}

// ComplaintStore files and resolves complaints.
type ComplaintStore interface {
	// FileComplaint numbers c, stores it and adds it to the customer's open
	// list. Returns ENOTFOUND for an unknown customer.
	FileComplaint(ctx context.Context, c *Complaint) error
	// Complaint returns one complaint. Returns ENOTFOUND if there is none.
	Complaint(ctx context.Context, no ComplaintNo) (*Complaint, error)
	// ResolveComplaint closes the complaint and takes it off the customer's
	// open list. Returns ENOTFOUND if there is none and ECONFLICT if it was
	// already resolved.
	ResolveComplaint(ctx context.Context, no ComplaintNo, by StaffID, at time.Time, r Resolution, note string, satisfied *bool) (*Complaint, error)
}
