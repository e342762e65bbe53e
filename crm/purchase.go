package crm

import (
	"context"
	"time"
)

// Purchase is a product a customer bought and when they last bought it.
type Purchase struct {
	Product string // as typed on the latest sale of it
	At      time.Time
}

// PurchaseStore tells what a customer bought from one _id-keyed document per
// customer, kept by RecordSale, so no question scans the sales (DESIGN §5).
type PurchaseStore interface {
	// Purchases returns each product the customer bought (products whose
	// ProductKey is the same are one), latest purchase first.
	Purchases(ctx context.Context, id CustomerID) ([]Purchase, error)
}
