package crm

import (
	"context"
	"strings"
	"time"
)

// DeliveryProduct is the kind of the alert that tells managers a product
// draws repeated complaints or returns.
const DeliveryProduct = "product"

// ProductComplaint is a complaint, return or support call that names a
// product, as the per-day product index keeps it: enough for the products
// report and the managers' alert without reading the complaint itself.
type ProductComplaint struct {
	No       ComplaintNo
	Kind     ComplaintKind
	Product  string // as typed
	OpenedAt time.Time
	Resolved bool
}

// ProductKey folds a product name so that spellings differing only in case
// and spacing meet ("Solar  Panel", "solar panel"), as SameText compares.
func ProductKey(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// ProductStore answers questions about products from _id-keyed index
// documents, one per UTC day, kept by FileComplaint and ResolveComplaint,
// so no question scans the complaints (DESIGN §5).
// Implementations must be safe for concurrent use by any number of replicas.
type ProductStore interface {
	// ProductComplaints returns the complaints, returns and support calls
	// naming a product that were opened on the UTC days from since to
	// until, both included, oldest first. The caller trims the edges.
	ProductComplaints(ctx context.Context, since, until time.Time) ([]ProductComplaint, error)
	// ProductComplaintsToCheck returns the complaints and returns naming a
	// product that were filed since the alert check last took them off the
	// list (ProductComplaintsChecked). FileComplaint lists each one after
	// indexing it, so a listed number is always in the day index.
	ProductComplaintsToCheck(ctx context.Context) ([]ComplaintNo, error)
	// ProductComplaintsChecked takes nos off the list; numbers listed
	// meanwhile stay on it.
	ProductComplaintsChecked(ctx context.Context, nos []ComplaintNo) error
	// ProductAlerts returns the days ("2006-01-02") on which managers were
	// alerted about the product with that ProductKey, in no order.
	ProductAlerts(ctx context.Context, key string) ([]string, error)
	// RecordProductAlert records that managers were alerted about the
	// product on day; recording it again is a no-op.
	RecordProductAlert(ctx context.Context, key, day string) error
	// IndexProductComplaints puts the complaints filed before the product
	// index existed into it, once per database (one scan of the
	// complaints); it reports how many it indexed.
	IndexProductComplaints(ctx context.Context) (int, error)
}
