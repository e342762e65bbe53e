package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/store"
)

// found returns the names of the customers FindCustomers gives for q, sorted.
func found(t *testing.T, db *store.DB, q string) []string {
	t.Helper()
	cs, _, err := db.FindCustomers(context.Background(), q, 10)
	if err != nil {
		t.Fatalf("find %q: %v", q, err)
	}
	var names []string
	for _, c := range cs {
		names = append(names, c.Name)
	}
	slices.Sort(names)
	return names
}

type findCase struct {
	name, q string
	want    []string
}

func checkFinds(t *testing.T, db *store.DB, cases []findCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := found(t, db, tc.q); !slices.Equal(got, tc.want) {
				t.Errorf("find %q = %q, want %q", tc.q, got, tc.want)
			}
		})
	}
}

func TestFindKeysOnAdd(t *testing.T) {
	db := MustOpenDB(t)
	mustCreate(t, db, crm.Customer{Name: "Siti Nurhaliza", Company: "Nur Trading", Phones: []string{"+60123456789"}, Emails: []string{"siti@example.my"}})
	mustCreate(t, db, crm.Customer{Name: "陳大文", Company: "東方貿易", Phones: []string{"+886912345678"}})
	mustCreate(t, db, crm.Customer{Name: "Budi Santoso", Phones: []string{"+6281234567890"}, Emails: []string{"budi@gmail.com"}})
	mustCreate(t, db, crm.Customer{Name: "Tan Ah Kow", Phones: []string{"+60193456789"}, Emails: []string{"tan@Example.MY"}})
	mustCreate(t, db, crm.Customer{Name: "Lee Zero", Phones: []string{"+60120000123"}})
	checkFinds(t, db, []findCase{
		{"PhoneLast7Digits", "3456789", []string{"Siti Nurhaliza", "Tan Ah Kow"}},
		{"PhoneLast8Digits", "23456789", []string{"Siti Nurhaliza"}},
		{"PhoneLastDigitsSpaced", "345 6789", []string{"Siti Nurhaliza", "Tan Ah Kow"}},
		{"PhoneLast6Digits", "456789", []string{"Siti Nurhaliza", "Tan Ah Kow"}},
		{"PhoneWithCountryCodeNoPlus", "6281234567890", []string{"Budi Santoso"}},
		{"PhoneLocalWithTrunkZero", "0812 3456 7890", []string{"Budi Santoso"}},
		{"PhoneLastDigitsWithZeros", "000123", []string{"Lee Zero"}},
		{"PhoneFiveDigitsTooFew", "56789", nil},
		{"PhoneMiddleDigitsNoMatch", "1234567", nil},
		{"EmailDomain", "example.my", []string{"Siti Nurhaliza", "Tan Ah Kow"}},
		{"EmailDomainWithAt", "@example.my", []string{"Siti Nurhaliza", "Tan Ah Kow"}},
		{"EmailDomainCase", "EXAMPLE.my", []string{"Siti Nurhaliza", "Tan Ah Kow"}},
		{"FreeMailNotKeyed", "gmail.com", nil},
		{"UnknownDomain", "@nowhere.my", nil},
		{"Company", "Nur Trading", []string{"Siti Nurhaliza"}},
		{"TraditionalQuerySimplifiedKey", "陳", []string{"陳大文"}},
		{"SimplifiedQueryTraditionalName", "陈", []string{"陳大文"}},
		{"SimplifiedFullName", "陈大文", []string{"陳大文"}},
		{"SimplifiedCompanyPart", "东方", []string{"陳大文"}},
		{"TraditionalCompany", "東方貿易", []string{"陳大文"}},
	})
}

func TestFindKeysOnEdit(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	c := mustCreate(t, db, crm.Customer{Name: "陳大文", Phones: []string{"+60123456789"}})
	name, company := "林美玲", "Nur Trading"
	if _, err := db.UpdateCustomer(ctx, c.ID, crm.CustomerUpdate{Name: &name, Company: &company,
		AddPhones: []string{"+60177778888"}, AddEmails: []string{"lin@kedai.my"}}); err != nil {
		t.Fatal(err)
	}
	checkFinds(t, db, []findCase{
		{"NewName", "林", []string{"林美玲"}},
		{"NewNameOtherScript", "林美玲", []string{"林美玲"}},
		{"OldNameGone", "陳", nil},
		{"OldNameGoneOtherScript", "陈", nil},
		{"NewCompany", "nur trading", []string{"林美玲"}},
		{"AddedPhoneSuffix", "7778888", []string{"林美玲"}},
		{"OldPhoneSuffixKept", "3456789", []string{"林美玲"}},
		{"AddedEmailDomain", "kedai.my", []string{"林美玲"}},
	})
}

func TestFindKeysOnMergeAndUndo(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	keep := mustCreate(t, db, crm.Customer{Name: "Siti Nurhaliza", Phones: []string{"+60123456789"}, Emails: []string{"siti@example.my"}})
	gone := mustCreate(t, db, crm.Customer{Name: "Aminah Yusof", Phones: []string{"+60111222333"}, Emails: []string{"aminah@kedai.my"}})
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	m, _, err := db.MergeCustomers(ctx, keep.ID, gone.ID, "", at, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("Merged", func(t *testing.T) {
		checkFinds(t, db, []findCase{
			{"GoneFirstName", "aminah", []string{"Siti Nurhaliza"}},
			{"GoneFullName", "Aminah Yusof", []string{"Siti Nurhaliza"}},
			{"GoneNamePrefix", "yuso", []string{"Siti Nurhaliza"}},
			{"GoneNameTypo", "Yusoff", []string{"Siti Nurhaliza"}},
			{"GonePhoneSuffix", "1222333", []string{"Siti Nurhaliza"}},
			{"GoneEmailDomain", "kedai.my", []string{"Siti Nurhaliza"}},
			{"KeptName", "nurhaliza", []string{"Siti Nurhaliza"}},
		})
	})
	if _, err := db.UndoMerge(ctx, m.No, at.Add(time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	t.Run("Undone", func(t *testing.T) {
		checkFinds(t, db, []findCase{
			{"GoneNameBack", "aminah", []string{"Aminah Yusof"}},
			{"GonePhoneSuffixBack", "1222333", []string{"Aminah Yusof"}},
			{"GoneEmailDomainBack", "kedai.my", []string{"Aminah Yusof"}},
			{"KeptPhoneSuffix", "3456789", []string{"Siti Nurhaliza"}},
		})
	})
}

func TestBackfillFindKeys(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	siti := mustCreate(t, db, crm.Customer{Name: "Siti Nurhaliza", Phones: []string{"+60123456789"}, Emails: []string{"siti@example.my"}})
	gone := mustCreate(t, db, crm.Customer{Name: "Aminah Yusof", Phones: []string{"+60111222333"}})
	mustCreate(t, db, crm.Customer{Name: "陳大文", Phones: []string{"+886912345678"}})
	mustCreate(t, db, crm.Customer{Name: "Budi Santoso", Phones: []string{"+6281234567890"}, Emails: []string{"budi@toko.co.id"}})
	if _, _, err := db.MergeCustomers(ctx, siti.ID, gone.ID, "", time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	// Make it a database of before: no marker, no new key kinds, Han keyed
	// as typed, no merged names.
	keys, customers := db.Database().Collection("keys"), db.Database().Collection("customers")
	forget := func() {
		t.Helper()
		for _, f := range []bson.D{
			{{Key: "_id", Value: bson.D{{Key: "$regex", Value: "^(ps:|ed:|w:[陳陈大文]|w:aminah|w:yusof|meta:find)"}}}},
		} {
			if _, err := keys.DeleteMany(ctx, f); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := customers.UpdateMany(ctx, bson.D{}, bson.D{{Key: "$unset", Value: bson.D{{Key: "mergednames", Value: ""}}}}); err != nil {
			t.Fatal(err)
		}
	}
	forget()
	before := []findCase{
		{"PhoneSuffix", "3456789", nil},
		{"Han", "陈", nil},
		{"MergedName", "aminah", nil},
	}
	after := []findCase{
		{"PhoneSuffix", "3456789", []string{"Siti Nurhaliza"}},
		{"MergedPhoneSuffix", "1222333", []string{"Siti Nurhaliza"}},
		{"EmailDomain", "toko.co.id", []string{"Budi Santoso"}},
		{"HanSimplified", "陈", []string{"陳大文"}},
		{"HanTraditional", "陳", []string{"陳大文"}},
		{"MergedName", "aminah", []string{"Siti Nurhaliza"}},
	}
	t.Run("Before", func(t *testing.T) { checkFinds(t, db, before) })
	t.Run("Backfill", func(t *testing.T) {
		n, err := db.BackfillFindKeys(ctx)
		if err != nil || n != 3 {
			t.Fatalf("backfilled %d customers, %v; want 3", n, err)
		}
		checkFinds(t, db, after)
		if n, err := db.BackfillFindKeys(ctx); err != nil || n != 0 {
			t.Errorf("second backfill keyed %d, %v; want 0: it runs once", n, err)
		}
	})
	t.Run("ResumesAfterLastChunk", func(t *testing.T) {
		forget()
		cur, err := customers.Find(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		var docs []struct {
			ID   string `bson:"_id"`
			Name string `bson:"name"`
		}
		if err := cur.All(ctx, &docs); err != nil || len(docs) != 3 {
			t.Fatalf("%d customers, %v", len(docs), err)
		}
		// The first customer's chunk was written before an interruption.
		if _, err := keys.InsertOne(ctx, bson.D{{Key: "_id", Value: "meta:find-keys-v2-done"}, {Key: "ids", Value: []string{docs[0].ID}}}); err != nil {
			t.Fatal(err)
		}
		n, err := db.BackfillFindKeys(ctx)
		if err != nil || n != 2 {
			t.Fatalf("resumed backfill keyed %d customers, %v; want the 2 after %s", n, err, docs[0].Name)
		}
		if got := found(t, db, "3456789"); (docs[0].Name == "Siti Nurhaliza") == (len(got) == 1) {
			t.Errorf("find 3456789 = %q after resuming after %s", got, docs[0].Name)
		}
	})
}

func TestDomainKeyCapped(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	if err := db.FillDomainKey(ctx, "big.my", store.MaxDomainCustomers+5); err != nil {
		t.Fatal(err)
	}
	if n, err := db.DomainKeyLen(ctx, "big.my"); err != nil || n != store.MaxDomainCustomers {
		t.Fatalf("a bulk write lists %d, %v; want the cap %d", n, err, store.MaxDomainCustomers)
	}
	mustCreate(t, db, crm.Customer{Name: "Late Comer", Emails: []string{"late@big.my"}})
	if n, err := db.DomainKeyLen(ctx, "big.my"); err != nil || n != store.MaxDomainCustomers {
		t.Errorf("a full domain lists %d after an add, %v; want it kept at %d", n, err, store.MaxDomainCustomers)
	}
	if got := found(t, db, "late comer"); !slices.Equal(got, []string{"Late Comer"}) {
		t.Errorf("the keys after a full domain's were not written: find late comer = %q", got)
	}
	mustCreate(t, db, crm.Customer{Name: "Small Shop", Emails: []string{"a@small.my"}})
	if n, err := db.DomainKeyLen(ctx, "small.my"); err != nil || n != 1 {
		t.Errorf("a domain not full lists %d, %v; want 1", n, err)
	}
	if got := found(t, db, "small.my"); !slices.Equal(got, []string{"Small Shop"}) {
		t.Errorf("find small.my = %q", got)
	}
}

// BenchmarkBackfillFindKeys times the one-time backfill of the find keys
// on CRMBOT_BENCH_CUSTOMERS (default 100,000) customers of an older crmbot.
func BenchmarkBackfillFindKeys(b *testing.B) {
	db, cs := bigDB(b)
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		if err := db.ForgetFindKeys(ctx); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		n, err := db.BackfillFindKeys(ctx)
		if err != nil || n < len(cs) {
			b.Fatalf("backfilled %d of %d customers: %v", n, len(cs), err)
		}
	}
}
