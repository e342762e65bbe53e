// Command crmseed fills a crmbot store with synthetic customers, to try
// crmbot on a realistic amount of data and to measure it:
//
//	go run ./cmd/crmseed -n 100000        # into DATA_DIR (default ./data)
//
// It reads MONGODB_URI, MONGODB_DATABASE and DATA_DIR as crmbot does.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/crmbot/crmbot/crm/crmtest"
	"github.com/crmbot/crmbot/store"
)

func main() {
	n := flag.Int("n", 100_000, "how many customers to add")
	from := flag.Int("from", 0, "number of the first synthetic customer (to add more later)")
	flag.Parse()
	if err := run(context.Background(), *n, *from); err != nil {
		fmt.Fprintln(os.Stderr, "crmseed:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, n, from int) error {
	dir := os.Getenv("DATA_DIR")
	if dir == "" {
		dir = "./data"
	}
	db, err := store.Open(ctx, store.Config{URI: os.Getenv("MONGODB_URI"), Database: os.Getenv("MONGODB_DATABASE"), DataDir: dir})
	if err != nil {
		return err
	}
	defer db.Close(context.Background())
	start := time.Now()
	const batch = 50_000
	for i := from; i < from+n; i += batch {
		cs := crmtest.Customers(i, min(from+n, i+batch), 1)
		if err := db.ImportCustomers(ctx, cs); err != nil {
			return err
		}
		fmt.Printf("\r%d of %d customers", i+len(cs)-from, n)
	}
	took := time.Since(start)
	fmt.Printf("\nadded %d customers in %s (%.0f a second)\n", n, took.Round(time.Millisecond), float64(n)/took.Seconds())
	return nil
}
