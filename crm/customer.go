// Package crm holds crmbot's domain: customers and everything recorded about
// them, staff, reminders, the rules that derive figures, the storage
// interfaces and the closed set of errors. It imports nothing but the
// standard library.
package crm

import (
	"context"
	"time"
)

// CustomerID identifies a customer; it is the customer document's _id.
type CustomerID string

// Customer is the whole record a staff member can see from chat: contact
// details, personal profile and the derived figures kept up to date by the
// writes that change them, so a card is one document read.
type Customer struct {
	ID      CustomerID
	Name    string
	Company string
	Phones  []string // E.164
	Emails  []string // lower-cased
	Address string
	City    string
	Website string
	Social  map[string]string // "facebook" -> URL or handle
	// PreferredContact is how the customer likes to be reached: call,
	// whatsapp, sms, email, visit, telegram.
	PreferredContact string
	// Source is how the customer found the business: web, newspaper, referral, social, ...
	Source   string
	Language string // language for messages to the customer
	Owner    StaffID

	Birthday    Date
	Anniversary Date
	Family      []FamilyMember
	Hobbies     []string
	Memberships []string
	Notes       string

	CreatedAt time.Time
	CreatedBy StaffID
	UpdatedAt time.Time

	Stats Stats
	// Recent holds the last few interactions, newest first, so the card needs no history query.
	Recent []Interaction
	// Open lists the complaints not yet resolved.
	Open []ComplaintSummary
	// Lost is set when the customer went elsewhere.
	Lost *Lost
	// WonBack lists the lost marks cleared by a later sale, oldest first.
	WonBack []WinBack
	// MergedNames are the names of the customers merged into this one, so
	// find still reaches it by them.
	MergedNames []string
}

// Stats are the derived figures of a customer.
type Stats struct {
	LastContactAt  time.Time
	FirstOrderAt   time.Time
	LastOrderAt    time.Time
	Orders         int
	Spent          map[string]int64 // currency -> minor units
	Largest        int64            // largest single sale, minor units of its currency
	Complaints     int
	Returns        int
	OpenComplaints int
	Tier           Tier
	CreditDue      int64 // outstanding credit, minor units
	// CampaignResponses counts the sales and logged contacts tagged with a
	// campaign, and LastCampaign names the latest one, so the lead score
	// reads them without a history query.
	CampaignResponses int
	LastCampaign      string
}

// FamilyMember is someone close to the customer with dates worth remembering.
type FamilyMember struct {
	Name        string
	Relation    string // spouse, child, parent, ...
	Birthday    Date
	Anniversary Date
}

// Lost records that a customer went elsewhere and why.
type Lost struct {
	At         time.Time
	Competitor string
	Reason     string // price, service, quality, location, other
	Note       string
	By         StaffID
}

// Date is a calendar date without a zone: "2006-01-02", or "--01-02" when the year is unknown.
type Date string

// MonthDay returns "01-02" for a birthday lookup, or "" for an empty date.
func (d Date) MonthDay() string {
	if len(d) < 5 {
		return ""
	}
	return string(d[len(d)-5:])
}

// Tier is the value tier derived from recency, frequency and monetary value.
type Tier string

// The tiers a customer can be in.
const (
	TierNone   Tier = "never"   // never bought
	TierOneOff Tier = "one-off" // one large purchase
	TierRepeat Tier = "repeat"  // several purchases, modest value
	TierHigh   Tier = "high"
	TierMiddle Tier = "middle"
	TierLow    Tier = "low"
	TierLost   Tier = "lost"
)

// CustomerUpdate is a partial change to a customer's contact and profile;
// nil fields are left alone.
type CustomerUpdate struct {
	Name             *string
	Company          *string
	AddPhones        []string
	AddEmails        []string
	Address          *string
	City             *string
	Website          *string
	Social           map[string]string
	PreferredContact *string
	Source           *string
	Language         *string
	Owner            *StaffID
	Birthday         *Date
	Anniversary      *Date
	AddFamily        []FamilyMember
	AddHobbies       []string
	AddMemberships   []string
	Notes            *string
	Lost             *Lost
}

// CustomerStore keeps customers and finds them.
// Implementations must be safe for concurrent use.
type CustomerStore interface {
	// CreateCustomer stores c with a new ID. Returns ECONFLICT if one of its
	// phones or e-mails belongs to another customer, unless force is set.
	CreateCustomer(ctx context.Context, c *Customer, force bool) error
	// Customer returns one customer. Returns ENOTFOUND if there is none.
	Customer(ctx context.Context, id CustomerID) (*Customer, error)
	// UpdateCustomer applies u and returns the customer as it is afterwards.
	// Returns ENOTFOUND if there is none.
	UpdateCustomer(ctx context.Context, id CustomerID, u CustomerUpdate) (*Customer, error)
	// FindCustomers returns up to limit customers whose name, company,
	// merged names or e-mail words match q (or whose phone ends with its
	// digits, or whose e-mail domain it is), best first, and how many matched.
	FindCustomers(ctx context.Context, q string, limit int) ([]*Customer, int, error)
	// CustomersByPhone and CustomersByEmail return the customers holding exactly that contact.
	CustomersByPhone(ctx context.Context, e164 string) ([]*Customer, error)
	CustomersByEmail(ctx context.Context, email string) ([]*Customer, error)
	// SetTier stores a recomputed tier.
	SetTier(ctx context.Context, id CustomerID, t Tier) error
	// CountCustomers returns how many customers there are.
	CountCustomers(ctx context.Context) (int64, error)
}
