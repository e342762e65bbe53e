package crm

import (
	"context"
	"strings"
	"time"
	"unicode"
)

// SegmentFilter is a segment said in chat, resolved to concrete values: every
// set criterion must hold. Times are instants; the handler turns "this
// month" into the business's calendar month.
type SegmentFilter struct {
	Tier   Tier   // "" for any
	City   string // compared ignoring case and surrounding space
	Source string // compared ignoring case
	// CreatedFrom and CreatedTo bound the creation time, [from, to); zero for none.
	CreatedFrom, CreatedTo time.Time
	// SilentSince, when set, keeps customers last contacted (or created, if
	// never contacted) before it.
	SilentSince time.Time
	// BirthMonth, 1 to 12, keeps customers whose own birthday falls in it.
	BirthMonth int
	// Bought keeps customers with a sale whose product contains it
	// (ignoring case), at or after BoughtSince when that is set.
	Bought      string
	BoughtSince time.Time
}

// Empty reports whether the filter keeps everyone.
func (f SegmentFilter) Empty() bool { return f == SegmentFilter{} }

// Match reports whether c meets every criterion but Bought, which needs the
// sales and is checked by the store.
func (f SegmentFilter) Match(c *Customer) bool {
	if f.Tier != "" && c.Stats.Tier != f.Tier {
		return false
	}
	if f.City != "" && !SameText(c.City, f.City) {
		return false
	}
	if f.Source != "" && !SameText(c.Source, f.Source) {
		return false
	}
	if !f.CreatedFrom.IsZero() && c.CreatedAt.Before(f.CreatedFrom) {
		return false
	}
	if !f.CreatedTo.IsZero() && !c.CreatedAt.Before(f.CreatedTo) {
		return false
	}
	if !f.SilentSince.IsZero() {
		last := c.Stats.LastContactAt
		if last.IsZero() {
			last = c.CreatedAt
		}
		if !last.Before(f.SilentSince) {
			return false
		}
	}
	if f.BirthMonth != 0 {
		md := c.Birthday.MonthDay()
		if len(md) != 5 || md[:2] != twoDigits(f.BirthMonth) {
			return false
		}
	}
	return true
}

// MatchSale reports whether s is a purchase the Bought criterion asks for.
func (f SegmentFilter) MatchSale(s *Sale) bool {
	if f.Bought == "" {
		return true
	}
	if !f.BoughtSince.IsZero() && s.At.Before(f.BoughtSince) {
		return false
	}
	return strings.Contains(strings.ToLower(s.Product), strings.ToLower(strings.TrimSpace(f.Bought)))
}

func twoDigits(n int) string { return string([]byte{byte('0' + n/10), byte('0' + n%10)}) }

// SameText compares free text typed by people: case, surrounding space and
// runs of spaces do not count.
func SameText(a, b string) bool {
	return strings.EqualFold(strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " "))
}

// SegmentMember is one customer of a segment, as the list shows it.
type SegmentMember struct {
	ID   CustomerID
	Name string
}

// Segment is a filter saved under a name ("vip-kl"). Filter is the text as
// said after the colon; it is parsed again on every use, so "this month"
// stays the current month.
type Segment struct {
	Name    string
	Filter  string
	SavedBy StaffID
	SavedAt time.Time
}

// SegmentStore evaluates and keeps segments.
// Implementations must be safe for concurrent use.
type SegmentStore interface {
	// SegmentMembers returns the customers f keeps, ordered by name.
	SegmentMembers(ctx context.Context, f SegmentFilter) ([]SegmentMember, error)
	// SaveSegment stores s under s.Name, replacing a segment of that name,
	// and reports whether one was replaced.
	SaveSegment(ctx context.Context, s *Segment) (bool, error)
	// Segment returns a saved segment. Returns ENOTFOUND if there is none.
	Segment(ctx context.Context, name string) (*Segment, error)
}

// ValidSegmentName reports whether s can name a saved segment or a
// campaign: lower-case letters, digits and dashes, 2 to 40, starting with a
// letter or digit.
func ValidSegmentName(s string) bool {
	if len(s) < 2 || len(s) > 40 || s[0] == '-' {
		return false
	}
	for _, r := range s {
		if r > unicode.MaxASCII || !(r == '-' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
