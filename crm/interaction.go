package crm

import (
	"context"
	"time"
)

// InteractionKind is the channel of a contact with a customer.
type InteractionKind string

// The kinds of interaction staff log.
const (
	KindCall    InteractionKind = "call"
	KindVisit   InteractionKind = "visit"
	KindMeeting InteractionKind = "meeting"
	KindEmail   InteractionKind = "email"
	KindMessage InteractionKind = "message"
	KindNote    InteractionKind = "note"
)

// InteractionKinds lists the kinds in the order help shows them.
var InteractionKinds = []InteractionKind{KindCall, KindVisit, KindMeeting, KindEmail, KindMessage, KindNote}

// Interaction is one contact with a customer: who, when, how, what came of it
// and what happens next.
type Interaction struct {
	ID         string
	No         LogNo // 0 for contacts logged before they were numbered
	CustomerID CustomerID
	Staff      StaffID
	Kind       InteractionKind
	At         time.Time
	Notes      string
	Outcome    string
	NextStep   string
	FollowUpAt time.Time // zero: none
	Campaign   string
	// Location is "lat,lon" when a visit was logged with a shared location.
	Location    string
	Attachments []string // platform file references (photos, voice notes)
}

// LogNo is the number staff use to name a logged contact ("edit log 210").
type LogNo int64

// InteractionStore records interactions.
type InteractionStore interface {
	// LogInteraction stores it, pushes it onto the customer's recent list and
	// moves the customer's last contact. Returns ENOTFOUND for an unknown customer.
	LogInteraction(ctx context.Context, it *Interaction) error
}
