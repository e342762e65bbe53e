package crm

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Duplicate is a pair of customers that are likely one: the same phone or
// e-mail, or near-identical names in one company.
type Duplicate struct {
	A, B   SegmentMember
	Reason string // phone, email or name
	Value  string // the shared phone or e-mail, or the company
}

// Merge records that Gone was merged into Keep, with what is needed to undo it.
type Merge struct {
	No       int64
	Keep     CustomerID
	Gone     CustomerID
	By       StaffID
	At       time.Time
	Done     bool      // every step finished
	UndoneAt time.Time // zero unless undone
	// Before is Keep as it was; Removed is Gone as it was.
	Before, Removed Customer
	// The records moved from Gone to Keep.
	Interactions []string
	Sales        []string
	Complaints   []ComplaintNo
	Reminders    []string
}

// MergeStore finds and merges duplicate customers.
// Implementations must be safe for concurrent use.
type MergeStore interface {
	// Duplicates returns up to limit likely duplicate pairs.
	Duplicates(ctx context.Context, limit int) ([]Duplicate, error)
	// MergeCustomers moves every interaction, sale, complaint and reminder of
	// gone to keep, folds gone's contacts, profile and figures into keep,
	// re-keys lookups and deletes gone. Returns EINVALID when keep == gone
	// and ENOTFOUND when either is missing.
	MergeCustomers(ctx context.Context, keep, gone CustomerID, by StaffID, at time.Time, tier func(Stats) Tier) (*Merge, *Customer, error)
	// UndoMerge restores the removed customer, moves its records back and
	// takes what the merge added off the kept one. Returns ENOTFOUND for an
	// unknown merge and ECONFLICT for one undone already or never finished.
	UndoMerge(ctx context.Context, no int64, at time.Time, tier func(Stats) Tier) (*Merge, error)
}

// Merged returns keep with gone folded in: contacts and lists united, empty
// profile fields filled from gone, figures added up (latest of the dates),
// recent contacts and open complaints joined. Keep's own values win.
func Merged(keep, gone *Customer) Customer {
	c := *keep
	fill := func(dst *string, src string) {
		if strings.TrimSpace(*dst) == "" {
			*dst = src
		}
	}
	fill(&c.Company, gone.Company)
	fill(&c.Address, gone.Address)
	fill(&c.City, gone.City)
	fill(&c.Website, gone.Website)
	fill(&c.PreferredContact, gone.PreferredContact)
	fill(&c.Source, gone.Source)
	fill(&c.Language, gone.Language)
	fill(&c.Notes, gone.Notes)
	if c.Owner == "" {
		c.Owner = gone.Owner
	}
	if c.Birthday == "" {
		c.Birthday = gone.Birthday
	}
	if c.Anniversary == "" {
		c.Anniversary = gone.Anniversary
	}
	c.Phones = union(keep.Phones, gone.Phones)
	c.Emails = union(keep.Emails, gone.Emails)
	c.Hobbies = union(keep.Hobbies, gone.Hobbies)
	c.Memberships = union(keep.Memberships, gone.Memberships)
	c.MergedNames = union(keep.MergedNames, append([]string{gone.Name}, gone.MergedNames...))
	c.Family = slices.Clone(keep.Family)
	for _, f := range gone.Family {
		if !slices.ContainsFunc(c.Family, func(g FamilyMember) bool { return SameText(g.Name, f.Name) }) {
			c.Family = append(c.Family, f)
		}
	}
	c.Social = map[string]string{}
	for k, v := range gone.Social {
		c.Social[k] = v
	}
	for k, v := range keep.Social {
		c.Social[k] = v
	}
	if gone.CreatedAt.Before(c.CreatedAt) && !gone.CreatedAt.IsZero() {
		c.CreatedAt = gone.CreatedAt
	}
	a, b := keep.Stats, gone.Stats
	s := a
	s.Orders += b.Orders
	s.Spent = map[string]int64{}
	for k, v := range a.Spent {
		s.Spent[k] += v
	}
	for k, v := range b.Spent {
		s.Spent[k] += v
	}
	s.Largest = max(a.Largest, b.Largest)
	s.Complaints += b.Complaints
	s.Returns += b.Returns
	s.OpenComplaints += b.OpenComplaints
	s.CreditDue += b.CreditDue
	s.CampaignResponses += b.CampaignResponses
	if s.LastCampaign == "" {
		s.LastCampaign = b.LastCampaign
	}
	s.LastContactAt = latest(a.LastContactAt, b.LastContactAt)
	s.LastOrderAt = latest(a.LastOrderAt, b.LastOrderAt)
	if s.FirstOrderAt.IsZero() || !b.FirstOrderAt.IsZero() && b.FirstOrderAt.Before(s.FirstOrderAt) {
		s.FirstOrderAt = b.FirstOrderAt
	}
	c.Stats = s
	c.Recent = append(slices.Clone(keep.Recent), gone.Recent...)
	slices.SortStableFunc(c.Recent, func(x, y Interaction) int { return x.At.Compare(y.At) })
	if len(c.Recent) > 5 {
		c.Recent = c.Recent[len(c.Recent)-5:]
	}
	c.Open = append(slices.Clone(keep.Open), gone.Open...)
	return c
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, v := range b {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// Unmerged takes off cur (the kept customer now) what merge m added:
// gone's contacts and list entries keep did not have, profile fields filled
// from gone and unchanged since, gone's figures, recent contacts and open
// complaints. What was recorded on keep after the merge stays.
func Unmerged(cur *Customer, m *Merge) Customer {
	before, gone := &m.Before, &m.Removed
	c := *cur
	unfill := func(dst *string, was, from string) {
		if strings.TrimSpace(was) == "" && *dst == from {
			*dst = was
		}
	}
	unfill(&c.Company, before.Company, gone.Company)
	unfill(&c.Address, before.Address, gone.Address)
	unfill(&c.City, before.City, gone.City)
	unfill(&c.Website, before.Website, gone.Website)
	unfill(&c.PreferredContact, before.PreferredContact, gone.PreferredContact)
	unfill(&c.Source, before.Source, gone.Source)
	unfill(&c.Language, before.Language, gone.Language)
	unfill(&c.Notes, before.Notes, gone.Notes)
	if before.Owner == "" && c.Owner == gone.Owner {
		c.Owner = ""
	}
	if before.Birthday == "" && c.Birthday == gone.Birthday {
		c.Birthday = ""
	}
	if before.Anniversary == "" && c.Anniversary == gone.Anniversary {
		c.Anniversary = ""
	}
	minus := func(now, had, added []string) []string {
		var out []string
		for _, v := range now {
			if slices.Contains(had, v) || !slices.Contains(added, v) {
				out = append(out, v)
			}
		}
		return out
	}
	c.Phones = minus(cur.Phones, before.Phones, gone.Phones)
	c.Emails = minus(cur.Emails, before.Emails, gone.Emails)
	c.Hobbies = minus(cur.Hobbies, before.Hobbies, gone.Hobbies)
	c.Memberships = minus(cur.Memberships, before.Memberships, gone.Memberships)
	c.MergedNames = minus(cur.MergedNames, before.MergedNames, append([]string{gone.Name}, gone.MergedNames...))
	c.Family = nil
	for _, f := range cur.Family {
		had := slices.ContainsFunc(before.Family, func(g FamilyMember) bool { return SameText(g.Name, f.Name) })
		added := slices.ContainsFunc(gone.Family, func(g FamilyMember) bool { return SameText(g.Name, f.Name) })
		if had || !added {
			c.Family = append(c.Family, f)
		}
	}
	c.Social = map[string]string{}
	for k, v := range cur.Social {
		if _, had := before.Social[k]; had || gone.Social[k] != v {
			c.Social[k] = v
		}
	}
	if !before.CreatedAt.IsZero() {
		c.CreatedAt = before.CreatedAt
	}
	s, b := cur.Stats, gone.Stats
	s.Orders = max(0, s.Orders-b.Orders)
	s.Spent = map[string]int64{}
	for k, v := range cur.Stats.Spent {
		if v -= b.Spent[k]; v != 0 {
			s.Spent[k] = v
		}
	}
	s.Complaints = max(0, s.Complaints-b.Complaints)
	s.Returns = max(0, s.Returns-b.Returns)
	s.CreditDue -= b.CreditDue
	s.CampaignResponses = max(0, s.CampaignResponses-b.CampaignResponses)
	if s.LastCampaign == b.LastCampaign {
		s.LastCampaign = before.Stats.LastCampaign
	}
	restore := func(now *time.Time, had, from time.Time) {
		if now.Equal(from) && from.After(had) {
			*now = had
		}
	}
	restore(&s.LastContactAt, before.Stats.LastContactAt, b.LastContactAt)
	restore(&s.LastOrderAt, before.Stats.LastOrderAt, b.LastOrderAt)
	if s.FirstOrderAt.Equal(b.FirstOrderAt) {
		s.FirstOrderAt = before.Stats.FirstOrderAt
	}
	if s.Largest == b.Largest && b.Largest > before.Stats.Largest {
		s.Largest = before.Stats.Largest
	}
	c.Recent = slices.DeleteFunc(slices.Clone(cur.Recent), func(it Interaction) bool { return slices.Contains(m.Interactions, it.ID) })
	c.Open = slices.DeleteFunc(slices.Clone(cur.Open), func(o ComplaintSummary) bool { return slices.Contains(m.Complaints, o.No) })
	s.OpenComplaints = len(c.Open)
	c.Stats = s
	return c
}

// NearName reports whether two names are near-identical: the same words in
// any order ignoring case and punctuation, or one typo apart when longer
// than five letters.
func NearName(a, b string) bool {
	wa, wb := nameWords(a), nameWords(b)
	if len(wa) == 0 || len(wb) == 0 {
		return false
	}
	slices.Sort(wa)
	slices.Sort(wb)
	if slices.Equal(wa, wb) {
		return true
	}
	ja, jb := []rune(strings.Join(nameWords(a), "")), []rune(strings.Join(nameWords(b), ""))
	return len(ja) > 5 && len(jb) > 5 && editsAtMostOne(ja, jb)
}

func nameWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r) })
}

func editsAtMostOne(a, b []rune) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(b)-len(a) > 1 {
		return false
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	if len(a) == len(b) {
		return slices.Equal(a[i+min(1, len(a)-i):], b[i+min(1, len(b)-i):])
	}
	return slices.Equal(a[i:], b[i+1:])
}
