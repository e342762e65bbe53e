package custfile

import (
	"context"
	"encoding/csv"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crmbot/crmbot/crm"
)

// formulaStarts are the characters that make a spreadsheet read a cell as
// a formula (OWASP "CSV injection"): =, +, -, @, and tab and carriage return.
const formulaStarts = "=+-@\t\r"

// Neutralize makes a cell safe to open in a spreadsheet: one that would
// start a formula gets a leading apostrophe, which spreadsheets show as
// text and Read strips again.
func Neutralize(s string) string {
	if s != "" && strings.ContainsRune(formulaStarts, rune(s[0])) {
		return "'" + s
	}
	return s
}

// ExportHeader is the first line of an export; Read maps every column back.
var ExportHeader = []string{"id", "name", "company", "phone", "email", "address", "city", "website", "source",
	"preferred_contact", "language", "birthday", "anniversary", "hobbies", "notes", "tier", "orders", "spent",
	"last_order", "last_contact", "created", "lost_reason", "lost_competitor"}

// Writer writes customers as CSV: UTF-8 with a byte-order mark so that
// Excel shows Chinese and Devanagari names, every cell neutralised.
type Writer struct {
	w   *csv.Writer
	loc *time.Location
	n   int
}

// NewWriter writes the byte-order mark and the header line.
func NewWriter(w io.Writer, loc *time.Location) (*Writer, error) {
	if loc == nil {
		loc = time.UTC
	}
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return nil, err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(ExportHeader); err != nil {
		return nil, err
	}
	return &Writer{w: cw, loc: loc}, nil
}

// Write adds one customer.
func (x *Writer) Write(c *crm.Customer) error {
	day := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(x.loc).Format("2006-01-02")
	}
	var spent []string
	for cur, v := range c.Stats.Spent {
		spent = append(spent, cur+" "+strconv.FormatInt(v, 10))
	}
	slices.Sort(spent)
	var lostReason, lostTo string
	if c.Lost != nil {
		lostReason, lostTo = c.Lost.Reason, c.Lost.Competitor
	}
	rec := []string{string(c.ID), c.Name, c.Company, strings.Join(c.Phones, "; "), strings.Join(c.Emails, "; "),
		c.Address, c.City, c.Website, c.Source, c.PreferredContact, c.Language, string(c.Birthday), string(c.Anniversary),
		strings.Join(c.Hobbies, ", "), c.Notes, string(c.Stats.Tier), strconv.Itoa(c.Stats.Orders), strings.Join(spent, "; "),
		day(c.Stats.LastOrderAt), day(c.Stats.LastContactAt), day(c.CreatedAt), lostReason, lostTo}
	for i := range rec {
		rec[i] = Neutralize(rec[i])
	}
	x.n++
	return x.w.Write(rec)
}

// Flush writes what is buffered and returns the first error of any write.
func (x *Writer) Flush() error {
	x.w.Flush()
	return x.w.Error()
}

// Count is how many customers were written.
func (x *Writer) Count() int { return x.n }

// Lister walks every customer, in no particular order; the export reads
// through it.
type Lister interface {
	EachCustomer(ctx context.Context, fn func(*crm.Customer) error) error
}

// Export writes every customer of st to w and returns how many.
func Export(ctx context.Context, st Lister, w io.Writer, loc *time.Location) (int, error) {
	x, err := NewWriter(w, loc)
	if err != nil {
		return 0, err
	}
	if err := st.EachCustomer(ctx, x.Write); err != nil {
		return x.Count(), err
	}
	return x.Count(), x.Flush()
}
