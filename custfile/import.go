package custfile

import (
	"context"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/phone"
)

// Store is what an import needs from storage. Lookups by phone and e-mail
// are single-key reads on every store; ImportCustomers writes new customers
// in bulk.
type Store interface {
	CustomersByPhone(ctx context.Context, e164 string) ([]*crm.Customer, error)
	CustomersByEmail(ctx context.Context, email string) ([]*crm.Customer, error)
	UpdateCustomer(ctx context.Context, id crm.CustomerID, u crm.CustomerUpdate) (*crm.Customer, error)
	ImportCustomers(ctx context.Context, cs []*crm.Customer) error
	CountCustomers(ctx context.Context) (int64, error)
}

// Options say how to import.
type Options struct {
	DryRun bool
	Region string // phone region for numbers without a country code
	Staff  crm.StaffID
	// Batch is how many new customers go to the store in one write; 50,000
	// by default. Large on purpose: each write after the first updates every
	// shared lookup key (common name words) again, one command per key.
	Batch int
	// Progress, when set, is told how many rows are done after each batch.
	Progress func(done, total int)
}

// Change is what an import does to one existing customer it matched.
type Change struct {
	Line     int
	Customer crm.CustomerID
	Name     string
	Fields   []string // the fields it fills or adds to
}

// Summary is what an import did, or in a dry run would do.
type Summary struct {
	DryRun bool
	// Format, Encoding, Delimiter and Sheet say how the file was read (see File).
	Format    string
	Encoding  string
	Delimiter rune
	Sheet     string
	Columns   []Column
	Rows      int
	Created   int
	Updated   int
	Unchanged int // matched an existing customer and added nothing
	// SameInFile counts rows that repeat an earlier row's phone or e-mail;
	// they are folded into that row's customer.
	SameInFile int
	Changes    []Change
	Rejected   []Rejection
	Took       time.Duration
}

// progressEvery is how often, in rows, progress is reported.
const progressEvery = 5000

// MaxChangesListed bounds the changes a summary keeps to show.
const MaxChangesListed = 200

// pending is a new customer being built from one or more rows.
type pending struct {
	c    *crm.Customer
	line int
}

// Import adds the file's customers to st: rows whose phone or e-mail
// belongs to an existing customer fill in what that customer lacks instead
// of creating a second one; rows that repeat an earlier row are folded into
// it; rows that cannot be read are listed with the reason. In a dry run
// nothing is written and the summary says what would happen.
//
// New customers are written in batches; an error part-way leaves the
// batches before it written, and the returned summary counts them.
func Import(ctx context.Context, st Store, f *File, opts Options) (*Summary, error) {
	start := time.Now()
	if opts.Batch <= 0 {
		opts.Batch = 50_000
	}
	if opts.Region == "" {
		opts.Region = "MY"
	}
	sum := &Summary{DryRun: opts.DryRun, Format: f.Format, Encoding: f.Encoding, Delimiter: f.Delimiter, Sheet: f.Sheet, Columns: f.Columns,
		Rows: len(f.Rows) + len(f.Rejected), Rejected: append([]Rejection(nil), f.Rejected...)}
	// First pass: rows to customers, rows that repeat an earlier row's
	// phone or e-mail folded into it, so nothing is written twice.
	byContact := map[string]*pending{}
	var all []*pending
	for i, rec := range f.Rows {
		c, rej := customerFrom(rec, f.Columns, opts.Region)
		if rej != nil {
			rej.Line = f.Line[i]
			sum.Rejected = append(sum.Rejected, *rej)
			continue
		}
		c.CreatedBy = opts.Staff
		if p := firstPending(byContact, contactKeys(c)); p != nil {
			mergeInto(p.c, c)
			for _, k := range contactKeys(p.c) {
				byContact[k] = p
			}
			sum.SameInFile++
			continue
		}
		p := &pending{c: c, line: f.Line[i]}
		all = append(all, p)
		for _, k := range contactKeys(c) {
			byContact[k] = p
		}
	}
	// Second pass: match existing customers, write the new ones in batches.
	n, err := st.CountCustomers(ctx)
	if err != nil {
		return nil, err
	}
	lookups := n > 0 // an empty store has nothing to match: skip the reads
	var batch []*crm.Customer
	flush := func(done int) error {
		if len(batch) > 0 && !opts.DryRun {
			if err := st.ImportCustomers(ctx, batch); err != nil {
				return err
			}
		}
		sum.Created += len(batch)
		batch = batch[:0]
		if opts.Progress != nil {
			opts.Progress(done, len(all))
		}
		return nil
	}
	for i, p := range all {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		if lookups {
			matched, err := existing(ctx, st, p.c)
			if err != nil {
				return sum, err
			}
			if len(matched) > 1 {
				sum.Rejected = append(sum.Rejected, Rejection{Line: p.line, Key: "imp_rej_two_customers",
					Args: []any{"a", matched[0].Name, "b", matched[1].Name}})
				continue
			}
			if len(matched) == 1 {
				if err := update(ctx, st, matched[0], p.c, p.line, opts.DryRun, sum); err != nil {
					return sum, err
				}
				continue
			}
		}
		batch = append(batch, p.c)
		if opts.Progress != nil && (i+1)%progressEvery == 0 && len(batch) < opts.Batch {
			opts.Progress(i+1, len(all))
		}
		if len(batch) >= opts.Batch {
			if err := flush(i + 1); err != nil {
				return sum, err
			}
		}
	}
	if err := flush(len(all)); err != nil {
		return sum, err
	}
	sortRejections(sum.Rejected)
	sum.Took = time.Since(start)
	return sum, nil
}

func sortRejections(rs []Rejection) {
	slices.SortStableFunc(rs, func(a, b Rejection) int { return a.Line - b.Line })
}

// contactKeys are a customer's phones and e-mails as map keys.
func contactKeys(c *crm.Customer) []string {
	keys := make([]string, 0, len(c.Phones)+len(c.Emails))
	for _, p := range c.Phones {
		keys = append(keys, "p:"+p)
	}
	for _, e := range c.Emails {
		keys = append(keys, "e:"+e)
	}
	return keys
}

func firstPending(m map[string]*pending, keys []string) *pending {
	for _, k := range keys {
		if p := m[k]; p != nil {
			return p
		}
	}
	return nil
}

// mergeInto adds what b has and a lacks to a: contacts are added, other
// fields filled only when a's is empty.
func mergeInto(a, b *crm.Customer) {
	for _, p := range b.Phones {
		if !slices.Contains(a.Phones, p) {
			a.Phones = append(a.Phones, p)
		}
	}
	for _, e := range b.Emails {
		if !slices.Contains(a.Emails, e) {
			a.Emails = append(a.Emails, e)
		}
	}
	fill := func(dst *string, src string) {
		if *dst == "" {
			*dst = src
		}
	}
	fill(&a.Name, b.Name)
	fill(&a.Company, b.Company)
	fill(&a.Address, b.Address)
	fill(&a.City, b.City)
	fill(&a.Website, b.Website)
	fill(&a.Source, b.Source)
	fill(&a.PreferredContact, b.PreferredContact)
	fill(&a.Language, b.Language)
	fill(&a.Notes, b.Notes)
	if a.Birthday == "" {
		a.Birthday = b.Birthday
	}
	if a.Anniversary == "" {
		a.Anniversary = b.Anniversary
	}
	for _, h := range b.Hobbies {
		if !slices.Contains(a.Hobbies, h) {
			a.Hobbies = append(a.Hobbies, h)
		}
	}
	for k, v := range b.Social {
		if a.Social == nil {
			a.Social = map[string]string{}
		}
		if a.Social[k] == "" {
			a.Social[k] = v
		}
	}
}

// existing returns the distinct customers holding any of c's phones or e-mails.
func existing(ctx context.Context, st Store, c *crm.Customer) ([]*crm.Customer, error) {
	var out []*crm.Customer
	add := func(cs []*crm.Customer) {
		for _, x := range cs {
			if !slices.ContainsFunc(out, func(y *crm.Customer) bool { return y.ID == x.ID }) {
				out = append(out, x)
			}
		}
	}
	for _, p := range c.Phones {
		cs, err := st.CustomersByPhone(ctx, p)
		if err != nil {
			return nil, err
		}
		add(cs)
	}
	for _, e := range c.Emails {
		cs, err := st.CustomersByEmail(ctx, e)
		if err != nil {
			return nil, err
		}
		add(cs)
	}
	return out, nil
}

// update fills in what the existing customer old lacks from the row's c.
// Nothing it holds is overwritten: an import adds, it does not correct.
func update(ctx context.Context, st Store, old, c *crm.Customer, line int, dry bool, sum *Summary) error {
	var u crm.CustomerUpdate
	var fields []string
	str := func(name string, have, v string, dst **string) {
		if have == "" && v != "" {
			*dst = &v
			fields = append(fields, name)
		}
	}
	str("company", old.Company, c.Company, &u.Company)
	str("address", old.Address, c.Address, &u.Address)
	str("city", old.City, c.City, &u.City)
	str("website", old.Website, c.Website, &u.Website)
	str("source", old.Source, c.Source, &u.Source)
	str("preferred_contact", old.PreferredContact, c.PreferredContact, &u.PreferredContact)
	str("language", old.Language, c.Language, &u.Language)
	str("notes", old.Notes, c.Notes, &u.Notes)
	if old.Birthday == "" && c.Birthday != "" {
		u.Birthday = &c.Birthday
		fields = append(fields, "birthday")
	}
	if old.Anniversary == "" && c.Anniversary != "" {
		u.Anniversary = &c.Anniversary
		fields = append(fields, "anniversary")
	}
	for _, p := range c.Phones {
		if !slices.Contains(old.Phones, p) {
			u.AddPhones = append(u.AddPhones, p)
		}
	}
	if len(u.AddPhones) > 0 {
		fields = append(fields, "phone")
	}
	for _, e := range c.Emails {
		if !slices.Contains(old.Emails, e) {
			u.AddEmails = append(u.AddEmails, e)
		}
	}
	if len(u.AddEmails) > 0 {
		fields = append(fields, "email")
	}
	for _, h := range c.Hobbies {
		if !slices.Contains(old.Hobbies, h) {
			u.AddHobbies = append(u.AddHobbies, h)
		}
	}
	if len(u.AddHobbies) > 0 {
		fields = append(fields, "hobbies")
	}
	for k, v := range c.Social {
		if old.Social[k] == "" {
			if u.Social == nil {
				u.Social = map[string]string{}
			}
			u.Social[k] = v
			fields = append(fields, k)
		}
	}
	if len(fields) == 0 {
		sum.Unchanged++
		return nil
	}
	if !dry {
		if _, err := st.UpdateCustomer(ctx, old.ID, u); err != nil {
			if crm.ErrorCode(err) == crm.ECONFLICT {
				sum.Rejected = append(sum.Rejected, Rejection{Line: line, Key: "imp_rej_contact_taken", Args: []any{"name", old.Name}})
				return nil
			}
			return err
		}
	}
	sum.Updated++
	if len(sum.Changes) < MaxChangesListed {
		sum.Changes = append(sum.Changes, Change{Line: line, Customer: old.ID, Name: old.Name, Fields: fields})
	}
	return nil
}

// customerFrom reads one row; a row that cannot become a customer is
// returned as a rejection naming the first problem.
func customerFrom(rec []string, cols []Column, region string) (*crm.Customer, *Rejection) {
	c := &crm.Customer{}
	var first, last string
	rej := func(key string, args ...any) (*crm.Customer, *Rejection) {
		return nil, &Rejection{Key: key, Args: args}
	}
	for i, col := range cols {
		if i >= len(rec) || col.Field == "" {
			continue
		}
		v := cleanCell(rec[i])
		if v == "" {
			continue
		}
		if len(v) > MaxCell {
			return rej("imp_rej_cell_too_long", "column", clip(col.Header, 30), "max", MaxCell)
		}
		switch col.Field {
		case FieldName:
			c.Name = v
		case FieldFirstName:
			first = v
		case FieldLastName:
			last = v
		case FieldCompany:
			c.Company = v
		case FieldPhone:
			for _, p := range splitList(v, "/;,") {
				e164, ok := phone.Normalize(p, region)
				if !ok {
					return rej("imp_rej_phone", "phone", clip(p, 30))
				}
				if !slices.Contains(c.Phones, e164) {
					c.Phones = append(c.Phones, e164)
				}
			}
		case FieldEmail:
			for _, e := range splitList(v, ";, ") {
				a, err := mail.ParseAddress(e)
				if err != nil || a.Address != e && a.Address != strings.Trim(e, "<>") {
					return rej("imp_rej_email", "email", clip(e, 40))
				}
				e = strings.ToLower(a.Address)
				if !slices.Contains(c.Emails, e) {
					c.Emails = append(c.Emails, e)
				}
			}
		case FieldAddress:
			c.Address = v
		case FieldCity:
			c.City = v
		case FieldWebsite:
			c.Website = v
		case FieldSource:
			c.Source = strings.ToLower(v)
		case FieldContact:
			c.PreferredContact = strings.ToLower(v)
		case FieldLanguage:
			c.Language = v
		case FieldBirthday, FieldAnniversary:
			d, ok := parseDate(v)
			if !ok {
				return rej("imp_rej_date", "column", clip(col.Header, 30), "value", clip(v, 20))
			}
			if col.Field == FieldBirthday {
				c.Birthday = d
			} else {
				c.Anniversary = d
			}
		case FieldHobbies:
			c.Hobbies = append(c.Hobbies, splitList(v, ",;/、，")...)
		case FieldNotes:
			c.Notes = v
		case FieldFacebook, FieldLinkedIn, FieldInstagram:
			if c.Social == nil {
				c.Social = map[string]string{}
			}
			c.Social[string(col.Field)] = v
		}
	}
	if c.Name == "" {
		c.Name = joinName(first, last)
	}
	if c.Name == "" {
		return rej("imp_rej_no_name")
	}
	return c, nil
}

// cleanCell trims a cell and undoes export's formula guard ("'=SUM" read
// back is "=SUM" as text, "'+60..." is a phone).
func cleanCell(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune(formulaStarts, rune(s[1])) {
		s = s[1:]
	}
	return s
}

func splitList(s, seps string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(seps, r) }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// joinName puts a first and a last name together: "Siti Nurhaliza", but
// 陈大文 for a Chinese family name first and no space.
func joinName(first, last string) string {
	switch {
	case first == "":
		return last
	case last == "":
		return first
	}
	if r := []rune(last); unicode.Is(unicode.Han, r[0]) {
		return last + first
	}
	return first + " " + last
}

// dateLayouts are the date forms exporters write; day-first before
// month-first, as the region's spreadsheets do.
var dateLayouts = []string{"2006-01-02", "2006/01/02", "02/01/2006", "2/1/2006", "02-01-2006", "02.01.2006", "2 Jan 2006", "02 Jan 2006", "Jan 2, 2006", "2006年1月2日", "20060102"}

// parseDate reads a date, or "--MM-DD" when the year is unknown. A time
// after an ISO date ("1990-03-14 00:00:00", "1990-03-14T00:00:00Z", as
// databases and some spreadsheets export a date) is dropped.
func parseDate(s string) (crm.Date, bool) {
	if len(s) > 10 && (s[10] == ' ' || s[10] == 'T') {
		if _, err := time.Parse("2006-01-02", s[:10]); err == nil {
			s = s[:10]
		}
	}
	if len(s) == 7 && strings.HasPrefix(s, "--") {
		if _, err := time.Parse("01-02", s[2:]); err == nil {
			return crm.Date(s), true
		}
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil && t.Year() > 1880 && t.Year() < 2200 {
			return crm.Date(t.Format("2006-01-02")), true
		}
	}
	return "", false
}
