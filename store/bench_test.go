package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/crm/crmtest"
	"github.com/crmbot/crmbot/store"
)

// seedCustomers writes n synthetic customers through ImportCustomers, in
// batches of 5,000, and returns them.
func seedCustomers(tb testing.TB, db *store.DB, n int) []*crm.Customer {
	tb.Helper()
	all := make([]*crm.Customer, 0, n)
	for start := 0; start < n; start += 5000 {
		batch := crmtest.Customers(start, min(n, start+5000), 1)
		if err := db.ImportCustomers(context.Background(), batch); err != nil {
			tb.Fatal(err)
		}
		all = append(all, batch...)
	}
	return all
}

// big is a 100,000-customer database shared by the benchmarks of one run.
var big struct {
	once sync.Once
	db   *store.DB
	cs   []*crm.Customer
	took time.Duration
}

func bigDB(b *testing.B) (*store.DB, []*crm.Customer) {
	b.Helper()
	big.once.Do(func() {
		n := 100_000
		if s := os.Getenv("CRMBOT_BENCH_CUSTOMERS"); s != "" {
			fmt.Sscan(s, &n)
		}
		start := time.Now()
		big.db = MustOpenDB(b)
		big.cs = seedCustomers(b, big.db, n)
		big.took = time.Since(start)
		fmt.Fprintf(os.Stderr, "seeded %d customers in %s\n", n, big.took.Round(time.Millisecond))
	})
	return big.db, big.cs
}

// reportPercentiles adds p50 and p99 of the per-operation times to b's output.
func reportPercentiles(b *testing.B, d []time.Duration) {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	if len(d) == 0 {
		return
	}
	b.ReportMetric(float64(d[len(d)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(d[len(d)*99/100].Microseconds())/1000, "p99-ms")
}

func BenchmarkFind(b *testing.B) {
	db, cs := bigDB(b)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(3, 4))
	cases := []struct {
		name string
		find func(c *crm.Customer) (int, error)
	}{
		{"Phone", func(c *crm.Customer) (int, error) {
			got, err := db.CustomersByPhone(ctx, c.Phones[0])
			return len(got), err
		}},
		{"Email", func(c *crm.Customer) (int, error) {
			got, err := db.CustomersByEmail(ctx, c.Emails[0])
			return len(got), err
		}},
		{"NamePart", func(c *crm.Customer) (int, error) {
			got, _, err := db.FindCustomers(ctx, lastWord(c.Name), 10)
			return len(got), err
		}},
		{"TypoName", func(c *crm.Customer) (int, error) {
			got, _, err := db.FindCustomers(ctx, typo(lastWord(c.Name)), 10)
			return len(got), err
		}},
		{"CommonFirstName", func(c *crm.Customer) (int, error) {
			got, _, err := db.FindCustomers(ctx, "siti", 10)
			return len(got), err
		}},
		{"PhoneLast7Digits", func(c *crm.Customer) (int, error) {
			p := c.Phones[0]
			got, _, err := db.FindCustomers(ctx, p[len(p)-7:len(p)-4]+" "+p[len(p)-4:], 10)
			return len(got), err
		}},
		{"EmailDomainOfAll", func(c *crm.Customer) (int, error) { // every seeded customer is at example.my
			got, _, err := db.FindCustomers(ctx, "@example.my", 10)
			return len(got), err
		}},
		{"HanTraditional", func(c *crm.Customer) (int, error) { // 陳 for 陈: a tenth of the Chinese names
			got, _, err := db.FindCustomers(ctx, "陳", 10)
			return len(got), err
		}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			times := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				c := cs[r.IntN(len(cs))]
				for c.Name[0] >= 0x80 && tc.name == "TypoName" { // Han names are found by character, not typo
					c = cs[r.IntN(len(cs))]
				}
				start := time.Now()
				n, err := tc.find(c)
				times = append(times, time.Since(start))
				if err != nil || n == 0 {
					b.Fatalf("%s for %q: %d found, %v", tc.name, c.Name, n, err)
				}
			}
			b.StopTimer()
			reportPercentiles(b, times)
		})
	}
}

func lastWord(s string) string {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == ' ' {
			return s[i+1:]
		}
	}
	return s
}

// typo swaps one inner letter for another.
func typo(w string) string {
	b := []byte(w)
	if len(b) > 3 {
		b[2] = 'q'
	}
	return string(b)
}

func BenchmarkLogInteraction(b *testing.B) {
	db, cs := bigDB(b)
	ctx := context.Background()
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		err := db.LogInteraction(ctx, &crm.Interaction{CustomerID: cs[i%len(cs)].ID, Kind: crm.KindCall, At: time.Now(), Notes: "called about the quotation"})
		times = append(times, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportPercentiles(b, times)
}

// added numbers the customers BenchmarkAddCustomer adds across its rounds,
// so each has a phone and e-mail of its own.
var added int

func BenchmarkAddCustomer(b *testing.B) {
	db, _ := bigDB(b)
	ctx := context.Background()
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		added++
		i := added
		c := &crm.Customer{Name: fmt.Sprintf("Bench Person%d Abdullah", i), Phones: []string{fmt.Sprintf("+6019%07d", i)}, Emails: []string{fmt.Sprintf("bench%d@example.my", i)}}
		start := time.Now()
		err := db.CreateCustomer(ctx, c, false)
		times = append(times, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportPercentiles(b, times)
}

// BenchmarkByID reads, misses and updates documents by _id in a collection of
// 50,000: the embedded store's _id index (store/sqlite.go) makes each
// independent of the collection's size.
func BenchmarkByID(b *testing.B) {
	db := MustOpenDB(b)
	c := db.Database().Collection("customers")
	ctx := context.Background()
	const n = 50_000
	docs := make([]any, n)
	for i := range docs {
		docs[i] = bson.D{{Key: "_id", Value: fmt.Sprint("c", i)}, {Key: "name", Value: "Siti Nurhaliza"}}
	}
	if _, err := c.InsertMany(ctx, docs); err != nil {
		b.Fatal(err)
	}
	b.Run("FindLate", func(b *testing.B) {
		for i := range b.N {
			if err := c.FindOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprint("c", n-1-i%1000)}}).Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("FindMissing", func(b *testing.B) {
		for i := range b.N {
			if err := c.FindOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprint("missing", i)}}).Err(); err != mongo.ErrNoDocuments {
				b.Fatal(err)
			}
		}
	})
	b.Run("Update", func(b *testing.B) {
		for i := range b.N {
			if _, err := c.UpdateOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprint("c", n-1-i%1000)}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
