package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/store"
	"github.com/crmbot/crmbot/store/storetest"
)

// server is the one embedded store of this package's tests; each test gets
// its own database on it.
var server *store.DB

var dbSeq atomic.Int64

func TestMain(m *testing.M) { storetest.Main(m, &server) }

// MustOpenDB returns a fresh database on the package's embedded server.
func MustOpenDB(tb testing.TB) *store.DB {
	tb.Helper()
	name := fmt.Sprintf("t%d_%s", dbSeq.Add(1), strings.NewReplacer("/", "_", " ", "_").Replace(tb.Name()))
	if len(name) > 60 {
		name = name[:60]
	}
	db, err := server.Use(context.Background(), name)
	if err != nil {
		tb.Fatal(err)
	}
	return db
}

func mustCreate(tb testing.TB, db *store.DB, c crm.Customer) *crm.Customer {
	tb.Helper()
	if err := db.CreateCustomer(context.Background(), &c, false); err != nil {
		tb.Fatalf("create %q: %v", c.Name, err)
	}
	return &c
}

func TestFindCustomers(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	siti := mustCreate(t, db, crm.Customer{Name: "Siti Nurhaliza", Company: "Nur Trading", Phones: []string{"+60123456789"}, Emails: []string{"siti@example.my"}})
	tan := mustCreate(t, db, crm.Customer{Name: "Tan Ah Kow", Phones: []string{"+60198765432"}})
	chen := mustCreate(t, db, crm.Customer{Name: "陈大文", Phones: []string{"+8613800138000"}})
	jose := mustCreate(t, db, crm.Customer{Name: "José Álvarez"})
	priya := mustCreate(t, db, crm.Customer{Name: "प्रिया शर्मा"})

	tests := []struct {
		name string
		q    string
		want []crm.CustomerID
	}{
		{"FirstName", "siti", []crm.CustomerID{siti.ID}},
		{"CaseInsensitive", "SITI", []crm.CustomerID{siti.ID}},
		{"WholeName", "Siti Nurhaliza", []crm.CustomerID{siti.ID}},
		{"Prefix", "nurh", []crm.CustomerID{siti.ID}},
		{"OneTypoSubstitution", "Nurhalisa", []crm.CustomerID{siti.ID}},
		{"OneTypoMissingLetter", "Nurhliza", []crm.CustomerID{siti.ID}},
		{"OneTypoExtraLetter", "Nurhaliiza", []crm.CustomerID{siti.ID}},
		{"Company", "trading", []crm.CustomerID{siti.ID}},
		{"EmailLocalPart", "siti", []crm.CustomerID{siti.ID}},
		{"ShortName", "tan", []crm.CustomerID{tan.ID}},
		{"ChineseSingleCharacter", "陈", []crm.CustomerID{chen.ID}},
		{"ChineseFullName", "陈大文", []crm.CustomerID{chen.ID}},
		{"AccentsIgnored", "jose alvarez", []crm.CustomerID{jose.ID}},
		{"Devanagari", "प्रिया", []crm.CustomerID{priya.ID}},
		{"NoMatch", "zzzzzz", nil},
		{"TwoTyposNoMatch", "Nxrhalisa", nil},
		{"OperatorTextIsJustText", `{"$gt":""}`, nil},
		{"RegexTextIsJustText", ".*", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, n, err := db.FindCustomers(ctx, tt.q, 10)
			if err != nil {
				t.Fatal(err)
			}
			var ids []crm.CustomerID
			for _, c := range got {
				ids = append(ids, c.ID)
			}
			if fmt.Sprint(ids) != fmt.Sprint(tt.want) || n != len(tt.want) {
				t.Errorf("FindCustomers(%q) = %v (%d), want %v", tt.q, ids, n, tt.want)
			}
		})
	}
}

func TestCreateCustomer(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	first := mustCreate(t, db, crm.Customer{Name: "Siti", Phones: []string{"+60123456789"}, Emails: []string{"siti@example.my"}})

	t.Run("DuplicatePhoneRefused", func(t *testing.T) {
		c := crm.Customer{Name: "Other", Phones: []string{"+60123456789"}}
		err := db.CreateCustomer(ctx, &c, false)
		var e *crm.Error
		if !errorAs(err, &e) || e.Code != crm.ECONFLICT || e.Args["id"] != string(first.ID) {
			t.Fatalf("err = %v, want conflict naming %s", err, first.ID)
		}
	})
	t.Run("DuplicateEmailRefused", func(t *testing.T) {
		c := crm.Customer{Name: "Other", Emails: []string{"siti@example.my"}}
		if err := db.CreateCustomer(ctx, &c, false); crm.ErrorCode(err) != crm.ECONFLICT {
			t.Fatalf("err = %v, want conflict", err)
		}
	})
	t.Run("ForcedDuplicateAdded", func(t *testing.T) {
		c := crm.Customer{Name: "Siti Two", Phones: []string{"+60123456789"}}
		if err := db.CreateCustomer(ctx, &c, true); err != nil {
			t.Fatal(err)
		}
		got, err := db.CustomersByPhone(ctx, "+60123456789")
		if err != nil || len(got) != 2 {
			t.Fatalf("by phone: %d customers, %v; want 2", len(got), err)
		}
	})
	t.Run("ByEmailIgnoresCase", func(t *testing.T) {
		got, err := db.CustomersByEmail(ctx, "SITI@Example.MY")
		if err != nil || len(got) != 1 || got[0].ID != first.ID {
			t.Fatalf("by email: %v, %v", got, err)
		}
	})
}

func TestUpdateCustomerRekeys(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	c := mustCreate(t, db, crm.Customer{Name: "Ahmad Faizal"})
	name := "Ahmad Zulkifli"
	bday := crm.Date("1990-03-14")
	got, err := db.UpdateCustomer(ctx, c.ID, crm.CustomerUpdate{Name: &name, Birthday: &bday, AddHobbies: []string{"golf"}, AddPhones: []string{"+60111111111"}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != name || got.Birthday != bday || len(got.Hobbies) != 1 || len(got.Phones) != 1 {
		t.Fatalf("updated = %+v", got)
	}
	if cs, _, _ := db.FindCustomers(ctx, "faizal", 10); len(cs) != 0 {
		t.Errorf("old name still finds the customer")
	}
	if cs, _, _ := db.FindCustomers(ctx, "zulkifli", 10); len(cs) != 1 {
		t.Errorf("new name does not find the customer")
	}
	if cs, _ := db.CustomersByPhone(ctx, "+60111111111"); len(cs) != 1 {
		t.Errorf("added phone does not find the customer")
	}
}

// TestConcurrentWritesLoseNothing is the race DESIGN §5 measured: 20
// goroutines writing 500 interactions and sales to one customer.
func TestConcurrentWritesLoseNothing(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	c := mustCreate(t, db, crm.Customer{Name: "Busy Customer"})
	const writers, each = 20, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				s := &crm.Sale{CustomerID: c.ID, Amount: crm.Money{Minor: 100, Currency: "MYR"}, Payment: crm.PayCash, Quantity: 1}
				errs <- db.RecordSale(ctx, s, func(crm.Stats) crm.Tier { return crm.TierLow })
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.Customer(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Stats.Orders != writers*each || got.Stats.Spent["MYR"] != writers*each*100 {
		t.Fatalf("orders = %d, spent = %d; want %d and %d", got.Stats.Orders, got.Stats.Spent["MYR"], writers*each, writers*each*100)
	}
}
