package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"

	"go.mongodb.org/mongo-driver/v2/mongo"
	_ "modernc.org/sqlite" // the SQLite that FerretDB itself runs on
)

// Collections lists every collection crmbot keeps. On the embedded server
// each is created at start so that it gets its _id index (see indexIDs).
var Collections = []string{
	"customers", "keys", "interactions", "sales", "complaints", "counters", "reminders",
	"staff", "identities", "invites", "inbox", "outbox", "leases", "state", "claims", "deliveries",
	"segments", "merges", "campaigns", "imports", "audit", "intents", "writes",
}

// indexIDs gives every collection table of the embedded server an index on
// the expression FerretDB v1.24 looks documents up by. FerretDB indexes
// _ferretdb_sjson->"_id" but queries _ferretdb_sjson->'$._id', and SQLite
// uses an expression index only for the identical expression, so without
// this every lookup, update and upsert by _id scans its whole table
// (measured: 60 ms for a late row of 5,000; 0.6 s at 100,000).
func (db *DB) indexIDs(ctx context.Context, dataDir, database string) error {
	for _, name := range Collections {
		err := db.db.CreateCollection(ctx, name)
		var ce mongo.CommandError
		if err != nil && !(errors.As(err, &ce) && ce.Code == 48) { // 48: NamespaceExists
			return fmt.Errorf("create collection %s: %w", name, err)
		}
	}
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return err
	}
	lite, err := sql.Open("sqlite", "file:"+filepath.Join(abs, database+".sqlite")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("open embedded database %s: %w", database, err)
	}
	defer lite.Close()
	rows, err := lite.QueryContext(ctx, `SELECT table_name FROM "_ferretdb_collections"`)
	if err != nil {
		return fmt.Errorf("list embedded tables: %w", err)
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, t := range tables {
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (_ferretdb_sjson->'$._id')`, t+"_crmbot_id", t)
		if _, err := lite.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("index %s: %w", t, err)
		}
	}
	return nil
}
