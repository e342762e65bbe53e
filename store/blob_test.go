package store_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/crmbot/crmbot/crm"
)

func TestBlob(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	big := bytes.Repeat([]byte("0123456789abcdef"), 9<<20/16) // 9 MB: three parts
	tests := []struct {
		name string
		data []byte
	}{
		{"Empty", []byte{}},
		{"Small", []byte("id,name\n1,Siti\n")},
		{"LargerThanADocument", big},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := "test:blob:" + tt.name
			must(t, db.PutBlob(ctx, key, tt.data, now.Add(time.Hour)))
			got, err := db.Blob(ctx, key, now)
			if err != nil || !bytes.Equal(got, tt.data) {
				t.Fatalf("read back %d bytes, %v; want %d", len(got), err, len(tt.data))
			}
			if _, err := db.Blob(ctx, key, now.Add(2*time.Hour)); crm.ErrorCode(err) != crm.ENOTFOUND {
				t.Errorf("expired blob: %v", err)
			}
			must(t, db.DeleteBlob(ctx, key))
			if _, err := db.Blob(ctx, key, now); crm.ErrorCode(err) != crm.ENOTFOUND {
				t.Errorf("deleted blob: %v", err)
			}
			if _, err := db.State(ctx, key+"#0", now); crm.ErrorCode(err) != crm.ENOTFOUND {
				t.Errorf("a part left after the delete: %v", err)
			}
			must(t, db.DeleteBlob(ctx, key)) // deleting again is no error
		})
	}
	t.Run("PartGone", func(t *testing.T) {
		must(t, db.PutBlob(ctx, "test:blob:gone", big, now.Add(time.Hour)))
		must(t, db.DeleteState(ctx, "test:blob:gone#1"))
		if _, err := db.Blob(ctx, "test:blob:gone", now); crm.ErrorCode(err) != crm.ENOTFOUND {
			t.Errorf("a blob missing a part: %v", err)
		}
	})
}
