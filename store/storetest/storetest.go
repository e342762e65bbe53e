// Package storetest starts one embedded store for a package's tests, which
// then give each test a database of its own with (*store.DB).Use.
package storetest

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/crmbot/crmbot/store"
)

// Main is a whole TestMain: it starts an embedded store in a temporary
// folder, sets *server to it, runs the tests, removes the folder and exits
// with the tests' code.
//
//	func TestMain(m *testing.M) { storetest.Main(m, &server) }
func Main(m *testing.M, server **store.DB) {
	dir, err := os.MkdirTemp("", "crmbot-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, "storetest:", err)
		os.Exit(2)
	}
	db, err := store.Open(context.Background(), store.Config{DataDir: dir})
	if err != nil {
		os.RemoveAll(dir)
		fmt.Fprintln(os.Stderr, "storetest:", err)
		os.Exit(2)
	}
	*server = db
	code := m.Run()
	db.Close(context.Background())
	os.RemoveAll(dir)
	os.Exit(code)
}
