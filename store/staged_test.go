package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/crmbot/crmbot/crm"
)

func TestStagedImport(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	stage := func(id string, at time.Time) {
		t.Helper()
		s := &crm.StagedImport{ID: id, Staff: "s1", Name: "list.csv", Data: []byte("name\nSiti\n"),
			Mapping: map[string]string{"No. Tel $": "phone", "Remark": "-"}, At: at}
		if err := db.StageImport(ctx, s, now.Add(-24*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("KeepsMappingWithDotsAndDollars", func(t *testing.T) {
		stage("a", now)
		s, err := db.TakeStagedImport(ctx, "a")
		if err != nil {
			t.Fatal(err)
		}
		if s.Staff != "s1" || string(s.Data) != "name\nSiti\n" || s.Mapping["No. Tel $"] != "phone" || s.Mapping["Remark"] != "-" || !s.At.Equal(now) {
			t.Errorf("took back %+v", s)
		}
	})
	t.Run("TakenOnce", func(t *testing.T) {
		stage("b", now)
		var wg sync.WaitGroup
		got := make(chan error, 4)
		for range 4 {
			wg.Go(func() {
				_, err := db.TakeStagedImport(ctx, "b")
				got <- err
			})
		}
		wg.Wait()
		close(got)
		won := 0
		for err := range got {
			switch crm.ErrorCode(err) {
			case "":
				won++
			case crm.ENOTFOUND:
			default:
				t.Errorf("take: %v", err)
			}
		}
		if won != 1 {
			t.Errorf("%d takers got the file, want 1", won)
		}
	})
	t.Run("OldOnesDropped", func(t *testing.T) {
		stage("old", now.Add(-25*time.Hour))
		stage("new", now)
		if _, err := db.TakeStagedImport(ctx, "old"); crm.ErrorCode(err) != crm.ENOTFOUND {
			t.Errorf("a file staged 25 hours ago: %v", err)
		}
		if _, err := db.TakeStagedImport(ctx, "new"); err != nil {
			t.Errorf("the new one: %v", err)
		}
	})
}
