package crm

import (
	"context"
	"time"
)

// StagedImport is a customer file sent in chat and checked by a dry run,
// kept until the sender confirms or cancels it. The file itself is kept, not
// the platform's reference to it, so confirming works on every platform the
// same way and does not depend on a download link still being valid.
type StagedImport struct {
	ID      string
	Staff   StaffID
	Name    string // file name as sent
	Data    []byte
	Mapping map[string]string // column titles to fields, as given with the file
	At      time.Time
}

// StagedImportStore keeps staged imports.
// Implementations must be safe for concurrent use.
type StagedImportStore interface {
	// StageImport stores s and drops staged imports older than before.
	StageImport(ctx context.Context, s *StagedImport, before time.Time) error
	// TakeStagedImport removes a staged import and returns it: of two
	// requests taking the same one, exactly one gets it, so a button pressed
	// twice imports once. Returns ENOTFOUND if there is none.
	TakeStagedImport(ctx context.Context, id string) (*StagedImport, error)
}
