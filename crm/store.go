package crm

import "context"

// Store is everything crmbot keeps. store.DB implements it on MongoDB and on
// the embedded MongoDB-compatible server.
type Store interface {
	CustomerStore
	InteractionStore
	SaleStore
	ComplaintStore
	ReminderStore
	StaffStore
	InviteStore
	InboxStore
	OutboxStore
	LeaseStore
	StateStore
	AuditStore
	RecordStore
	PurchaseStore
	// Ping reports whether the store answers.
	Ping(ctx context.Context) error
}
