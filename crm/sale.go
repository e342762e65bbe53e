package crm

import (
	"context"
	"time"
)

// Money is an amount in the minor units of its ISO 4217 currency.
type Money struct {
	Minor    int64
	Currency string
}

// PaymentMethod is how a sale was paid.
type PaymentMethod string

// The payment methods a sale can record.
const (
	PayCash     PaymentMethod = "cash"
	PayCard     PaymentMethod = "card"
	PayDebit    PaymentMethod = "debit"
	PayTransfer PaymentMethod = "transfer"
	PayPayPal   PaymentMethod = "paypal"
	PayCOD      PaymentMethod = "cod"
	PayCheque   PaymentMethod = "cheque"
	PayCredit   PaymentMethod = "credit"
	PayEWallet  PaymentMethod = "ewallet"
)

// PaymentMethods lists every accepted method.
var PaymentMethods = []PaymentMethod{PayCash, PayCard, PayDebit, PayTransfer, PayPayPal, PayCOD, PayCheque, PayCredit, PayEWallet}

// SaleNo is the number staff use to name a sale ("edit sale 57"). Sales
// recorded before sales were numbered have none (0).
type SaleNo int64

// Sale is one purchase by a customer.
type Sale struct {
	ID         string
	No         SaleNo
	CustomerID CustomerID
	Staff      StaffID
	At         time.Time
	Product    string
	Quantity   int
	Amount     Money
	Payment    PaymentMethod
	Credit     *Credit // set when Payment is credit
	Campaign   string
}

// Credit holds the terms of a sale on credit and what has been paid.
type Credit struct {
	TermDays int
	DueAt    time.Time
	Payments []Payment
}

// Payment is one instalment paid against a credit sale.
type Payment struct {
	At     time.Time
	Amount int64
	Method PaymentMethod
}

// WinBack records that a lost customer bought again: the lost mark the
// sale cleared, kept so the card still tells the story.
type WinBack struct {
	At   time.Time
	Sale SaleNo
	Lost Lost
}

// SaleStore records sales.
type SaleStore interface {
	// RecordSale numbers s, stores it and updates the customer's order
	// count, spend, last order, largest sale and tier in the same write. A
	// sale to a lost customer wins them back: the same write clears the lost
	// mark, keeps it in the customer's WonBack and recomputes the tier.
	// Returns ENOTFOUND for an unknown customer.
	RecordSale(ctx context.Context, s *Sale, tier func(Stats) Tier) error
}
