package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// MaxDomainCustomers is maxDomainCustomers, for tests.
const MaxDomainCustomers = maxDomainCustomers

// FillDomainKey lists n made-up customer ids under an e-mail domain's key,
// as n customers of that domain would.
func (db *DB) FillDomainKey(ctx context.Context, domain string, n int) error {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("c%06d", i)
	}
	return db.writeKeyLists(ctx, []string{keyEmailDomain + domain}, map[string][]string{keyEmailDomain + domain: ids}, "$push")
}

// DomainKeyLen returns how many customers an e-mail domain's key lists.
func (db *DB) DomainKeyLen(ctx context.Context, domain string) (int, error) {
	ids, err := db.lookup(ctx, keyEmailDomain+domain)
	return len(ids), err
}

// ForgetFindKeys deletes the keys BackfillFindKeys writes (but the Han
// words, which read the same in Simplified) and its marker: the database
// of an older crmbot, for timing the backfill.
func (db *DB) ForgetFindKeys(ctx context.Context) error {
	_, err := db.keys.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$regex", Value: "^(ps:|ed:|meta:find)"}}}})
	return err
}
