package crm

import (
	"context"
	"time"
)

// Campaign is a promotion sent to a segment. Targets are the customers the
// segment held when the campaign was created, so later changes to the
// segment do not change who was reached.
type Campaign struct {
	Name      string // as sales and logs name it: campaign=raya-2026
	Segment   string // the segment as said: "vip-kl" or a filter
	Targets   []CustomerID
	CreatedAt time.Time
	CreatedBy StaffID
}

// CampaignReport is what a campaign brought: a sale or a logged interaction
// carrying campaign=<name> is a response.
type CampaignReport struct {
	Reach      int // customers targeted
	Responders int // targeted customers with at least one response
	Sales      int // campaign sales, from anyone
	Logs       int // campaign interactions, from anyone
	Outside    int // responses from customers who were not targeted
	Revenue    map[string]int64
}

// Report attributes the campaign's sales and interactions.
func (c *Campaign) Report(sales []Sale, logs []Interaction) CampaignReport {
	r := CampaignReport{Reach: len(c.Targets), Sales: len(sales), Logs: len(logs), Revenue: map[string]int64{}}
	targeted := make(map[CustomerID]bool, len(c.Targets))
	for _, id := range c.Targets {
		targeted[id] = true
	}
	responded := map[CustomerID]bool{}
	count := func(id CustomerID) {
		if targeted[id] {
			responded[id] = true
		} else {
			r.Outside++
		}
	}
	for _, s := range sales {
		r.Revenue[s.Amount.Currency] += s.Amount.Minor
		count(s.CustomerID)
	}
	for _, it := range logs {
		count(it.CustomerID)
	}
	r.Responders = len(responded)
	return r
}

// CampaignStore keeps campaigns and finds their responses.
// Implementations must be safe for concurrent use.
type CampaignStore interface {
	// CreateCampaign stores c. Returns ECONFLICT if the name is taken.
	CreateCampaign(ctx context.Context, c *Campaign) error
	// Campaign returns one campaign. Returns ENOTFOUND if there is none.
	Campaign(ctx context.Context, name string) (*Campaign, error)
	// CampaignResponses returns the sales and interactions recorded with
	// the campaign's name.
	CampaignResponses(ctx context.Context, name string) ([]Sale, []Interaction, error)
}
