package store

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/crmbot/crmbot/crm"
)

// customerDoc is a customer as stored: the crm record with its ID as _id.
type customerDoc struct {
	ID           string `bson:"_id"`
	crm.Customer `bson:",inline"`
}

type keyDoc struct {
	IDs []string `bson:"ids"`
}

// CreateCustomer stores c with a new ID and its lookup keys.
func (db *DB) CreateCustomer(ctx context.Context, c *crm.Customer, force bool) error {
	if !force {
		if err := db.checkContactsFree(ctx, "", c.Phones, c.Emails); err != nil {
			return err
		}
	}
	c.ID = crm.CustomerID(newID())
	now := db.now()
	if c.CreatedAt.IsZero() {
		c.CreatedAt = now
	}
	c.UpdatedAt = now
	if c.Stats.Tier == "" {
		c.Stats.Tier = crm.TierNone
	}
	// The customer and its keys are one recoverable write (store/intent.go):
	// a crash after the insert no longer leaves a customer that find and
	// the duplicate check cannot see.
	return db.withIntent(ctx, opAdd, string(c.ID), customerDoc{ID: string(c.ID), Customer: *c}, nil)
}

// opAdd is the intent of adding a customer: insert it, key it, give it its
// segment row and vocabulary.
const opAdd = "add"

// redoAdd runs an add's steps; each finds its work done when run again.
func (db *DB) redoAdd(ctx context.Context, raw bson.Raw) error {
	var d customerDoc
	if err := bson.Unmarshal(raw, &d); err != nil {
		return fmt.Errorf("read added customer: %w", err)
	}
	c := &d.Customer
	c.ID = crm.CustomerID(d.ID)
	_, err := db.customers.InsertOne(ctx, d)
	if err != nil && !mongo.IsDuplicateKeyError(err) {
		return translate("insert customer", err)
	}
	if err := db.step(opAdd + "/inserted"); err != nil {
		return err
	}
	keys := customerKeys(c)
	keys = append(keys, careKeys(c)...) // the scheduler's indexes (store/nudge.go)
	keys = append(keys, keyCreated+dayKey(c.CreatedAt))
	if err := db.addKeys(ctx, string(c.ID), keys); err != nil {
		return err
	}
	if err := db.step(opAdd + "/keyed"); err != nil {
		return err
	}
	if err := db.rerow(ctx, nil, c); err != nil { // the segment index (store/segindex.go)
		return err
	}
	return db.addVocabulary(ctx, nameWords(c))
}

// addVocabulary records the prefixes and typo variants of words not seen
// before. A word is new when its w: key holds no other customer yet; an
// interrupted write is mended the next time a customer with the word is saved.
func (db *DB) addVocabulary(ctx context.Context, ws []string) error {
	for _, w := range ws {
		vk := vocabKeys(w)
		if len(vk) == 0 {
			continue
		}
		ids, err := db.lookup(ctx, keyWord+w)
		if err != nil {
			return err
		}
		if len(ids) > 1 {
			continue
		}
		if err := db.writeKeys(ctx, w, vk, "$addToSet", true); err != nil {
			return err
		}
	}
	return nil
}

// checkContactsFree returns ECONFLICT naming the first other customer that
// already holds one of the phones or e-mails.
func (db *DB) checkContactsFree(ctx context.Context, self crm.CustomerID, phones, emails []string) error {
	var keys []string
	for _, p := range phones {
		keys = append(keys, keyPhone+p)
	}
	for _, e := range emails {
		keys = append(keys, keyEmail+e)
	}
	for _, k := range keys {
		ids, err := db.lookup(ctx, k)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if id != string(self) {
				return crm.Errorf(crm.ECONFLICT, "err_duplicate_contact", "id", id, "contact", k[2:])
			}
		}
	}
	return nil
}

func (db *DB) addKeys(ctx context.Context, id string, keys []string) error {
	return db.writeKeys(ctx, id, keys, "$addToSet", true)
}

// moveKeys takes id off the keys in before that are not in after and adds
// it to the keys in after that were not in before.
func (db *DB) moveKeys(ctx context.Context, id string, before, after []string) error {
	var gone, added []string
	for _, k := range before {
		if !slices.Contains(after, k) {
			gone = append(gone, k)
		}
	}
	for _, k := range after {
		if !slices.Contains(before, k) {
			added = append(added, k)
		}
	}
	if err := db.removeKeys(ctx, id, gone); err != nil {
		return err
	}
	return db.addKeys(ctx, id, added)
}

func (db *DB) removeKeys(ctx context.Context, id string, keys []string) error {
	return db.writeKeys(ctx, id, keys, "$pull", false)
}

// writeKeys applies op ($addToSet or $pull) of id to each key document, one
// command per key: the embedded server keeps every matched document's cursor
// open until a multi-statement update command ends, so a bulk of updates on
// existing documents exhausts its connections and stalls.
func (db *DB) writeKeys(ctx context.Context, id string, keys []string, op string, upsert bool) error {
	opts := options.UpdateOne().SetUpsert(upsert)
	for _, k := range keys {
		if op == "$addToSet" && strings.HasPrefix(k, keyEmailDomain) {
			room, err := db.domainRoom(ctx, k)
			if err != nil {
				return err
			}
			if room == 0 {
				continue // the domain names no one in particular
			}
		}
		_, err := db.keys.UpdateOne(ctx, bson.D{{Key: "_id", Value: k}},
			bson.D{{Key: op, Value: bson.D{{Key: "ids", Value: id}}}}, opts)
		if err != nil {
			return translate("write lookup key", err)
		}
	}
	return nil
}

// maxDomainCustomers caps the customers an e-mail domain key lists. A
// domain shared by more (an Internet provider's, a big employer's) names
// no one in particular, and its document, rewritten whole on every
// customer added, would grow with the whole customer base.
const maxDomainCustomers = 1000

// domainRoom returns how many more customers a domain key can list. It
// reads the key (at most maxDomainCustomers ids) by _id: a filter on the
// list's length as well would make the embedded server scan every key
// (DESIGN §5). Two adds at once may pass the cap by one.
func (db *DB) domainRoom(ctx context.Context, key string) (int, error) {
	ids, err := db.lookup(ctx, key)
	return max(0, maxDomainCustomers-len(ids)), err
}

// lookup returns the ids stored under one key; none is not an error.
func (db *DB) lookup(ctx context.Context, key string) ([]string, error) {
	var d keyDoc
	err := db.keys.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&d)
	if err == mongo.ErrNoDocuments {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("lookup key: %w", err)
	}
	return d.IDs, nil
}

// Customer returns one customer by id.
func (db *DB) Customer(ctx context.Context, id crm.CustomerID) (*crm.Customer, error) {
	var d customerDoc
	if err := db.customers.FindOne(ctx, bson.D{{Key: "_id", Value: string(id)}}).Decode(&d); err != nil {
		return nil, translate("find customer "+string(id), err)
	}
	d.Customer.ID = crm.CustomerID(d.ID)
	return &d.Customer, nil
}

func (db *DB) customersByIDs(ctx context.Context, ids []string) ([]*crm.Customer, error) {
	out := make([]*crm.Customer, 0, len(ids))
	for _, id := range ids {
		c, err := db.Customer(ctx, crm.CustomerID(id))
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			continue // a key left behind by an interrupted write
		}
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// CustomersByPhone returns the customers holding that E.164 number.
func (db *DB) CustomersByPhone(ctx context.Context, e164 string) ([]*crm.Customer, error) {
	ids, err := db.lookup(ctx, keyPhone+e164)
	if err != nil {
		return nil, err
	}
	return db.customersByIDs(ctx, ids)
}

// CustomersByEmail returns the customers holding that e-mail.
func (db *DB) CustomersByEmail(ctx context.Context, email string) ([]*crm.Customer, error) {
	ids, err := db.lookup(ctx, keyEmail+fold(email))
	if err != nil {
		return nil, err
	}
	return db.customersByIDs(ctx, ids)
}

// Match scores: a whole word beats a prefix beats a one-typo match.
const (
	scoreWord   = 3
	scorePrefix = 2
	scoreTypo   = 1
)

// FindCustomers finds customers by words of their name, company, former
// names or e-mail: every word of q must match a word of the customer whole,
// as a prefix, or with one typo. q may also be the last minPhoneDigits or
// more digits of a phone ("345 6789"; fewer find nothing), or an e-mail
// domain ("example.my", "@example.my"). It returns up to limit of them,
// best first, and how many matched.
func (db *DB) FindCustomers(ctx context.Context, q string, limit int) ([]*crm.Customer, int, error) {
	q = strings.TrimSpace(q)
	if digits, ok := phoneDigits(q); ok {
		if len(digits) < minPhoneDigits {
			return nil, 0, nil
		}
		cs, n, err := db.customersByPhoneEnd(ctx, digits, limit)
		// A leading 0 may be a trunk prefix, which E.164 drops: "0812 3456 7890".
		if rest := digits[1:]; err == nil && n == 0 && digits[0] == '0' && len(rest) >= minPhoneDigits {
			return db.customersByPhoneEnd(ctx, rest, limit)
		}
		return cs, n, err
	}
	if domain, ok := emailDomain(q); ok {
		cs, n, err := db.customersByKey(ctx, keyEmailDomain+domain, limit, func(c *crm.Customer) bool {
			return slices.ContainsFunc(c.Emails, func(e string) bool { return strings.HasSuffix(fold(e), "@"+domain) })
		})
		if err != nil || n > 0 || strings.HasPrefix(q, "@") {
			return cs, n, err
		}
		// "a.rahman" is shaped like a domain too: try it as words.
	}
	// A run of Han characters is looked up by its characters, so "东方"
	// finds the company 东方贸易 and "陈文" the name 陈大文.
	ws := slices.DeleteFunc(words(q), func(w string) bool { return isHan(w) && utf8.RuneCountInString(w) > 1 })
	if len(ws) > 5 {
		ws = ws[:5]
	}
	if len(ws) == 0 {
		return nil, 0, nil
	}
	var total map[string]int
	for _, w := range ws {
		scores, err := db.matchWord(ctx, w)
		if err != nil {
			return nil, 0, fmt.Errorf("find customers: %w", err)
		}
		if total == nil {
			total = scores
			continue
		}
		for id, s := range total {
			if ws, ok := scores[id]; ok {
				total[id] = s + ws
			} else {
				delete(total, id)
			}
		}
	}
	ids := make([]string, 0, len(total))
	for id := range total {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		if total[ids[i]] != total[ids[j]] {
			return total[ids[i]] > total[ids[j]]
		}
		return ids[i] < ids[j]
	})
	n := len(ids)
	if limit > 0 && len(ids) > limit {
		ids = ids[:limit]
	}
	cs, err := db.customersByIDs(ctx, ids)
	if err != nil {
		return nil, 0, fmt.Errorf("find customers: %w", err)
	}
	return cs, n, nil
}

// customersByKey returns up to limit of the customers listed under key
// that still hold what it stands for (has), and how many it lists. The
// check drops a customer a key outlived: a write interrupted between the
// customer and its keys, or a backfill that read an e-mail since removed.
func (db *DB) customersByKey(ctx context.Context, key string, limit int, has func(*crm.Customer) bool) ([]*crm.Customer, int, error) {
	ids, err := db.lookup(ctx, key)
	if err != nil {
		return nil, 0, fmt.Errorf("find customers: %w", err)
	}
	slices.Sort(ids)
	n := len(ids)
	if limit > 0 && n > limit {
		ids = ids[:limit]
	}
	cs, err := db.customersByIDs(ctx, ids)
	if err != nil {
		return nil, 0, fmt.Errorf("find customers: %w", err)
	}
	kept := slices.DeleteFunc(cs, func(c *crm.Customer) bool { return !has(c) })
	n -= len(ids) - len(kept)
	return kept, n, nil
}

// maxSameEnd caps the customers read for phones sharing their last
// minPhoneDigits digits: one in a million numbers do, so more than this
// are test or shared numbers that name no one.
const maxSameEnd = 100

// customersByPhoneEnd returns up to limit customers with a phone ending in
// digits (at least minPhoneDigits of them), and how many there are.
func (db *DB) customersByPhoneEnd(ctx context.Context, digits string, limit int) ([]*crm.Customer, int, error) {
	ids, err := db.lookup(ctx, keyPhoneSuffix+digits[len(digits)-minPhoneDigits:])
	if err != nil {
		return nil, 0, fmt.Errorf("find customers: %w", err)
	}
	slices.Sort(ids)
	cs, err := db.customersByIDs(ctx, ids[:min(len(ids), maxSameEnd)])
	if err != nil {
		return nil, 0, fmt.Errorf("find customers: %w", err)
	}
	cs = slices.DeleteFunc(cs, func(c *crm.Customer) bool {
		return !slices.ContainsFunc(c.Phones, func(p string) bool { return strings.HasSuffix(p, digits) })
	})
	n := len(cs)
	if limit > 0 && n > limit {
		cs = cs[:limit]
	}
	return cs, n, nil
}

// phoneDigits returns the digits of q when q is only digits and the
// separators of a phone number ("345 6789", "+60 12-345").
func phoneDigits(q string) (string, bool) {
	var b strings.Builder
	for i, r := range q {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0, r == ' ', r == '-', r == '(', r == ')', r == '.':
		default:
			return "", false
		}
	}
	return b.String(), b.Len() > 0
}

// emailDomain returns q as a folded e-mail domain when it is shaped like
// one: labels of letters, digits and hyphens joined by dots, the last of
// two or more letters, with or without a leading "@".
func emailDomain(q string) (string, bool) {
	d := fold(strings.TrimPrefix(q, "@"))
	labels := strings.Split(d, ".")
	if len(labels) < 2 || d == "" {
		return "", false
	}
	for i, l := range labels {
		if l == "" || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return "", false
		}
		for _, r := range l {
			letter := r >= 'a' && r <= 'z'
			if i == len(labels)-1 && !letter || !letter && r != '-' && (r < '0' || r > '9') {
				return "", false
			}
		}
	}
	return d, len(labels[len(labels)-1]) >= 2
}

// maxVocab caps how many words one prefix or typo can expand to.
const maxVocab = 40

// matchWord scores the customers one folded word reaches: holding the word,
// a word it begins, or a word one typo away. Typo keys are read only when
// the word matches nothing whole or as a prefix.
func (db *DB) matchWord(ctx context.Context, w string) (map[string]int, error) {
	scores := map[string]int{}
	mark := func(word string, score int) error {
		ids, err := db.lookup(ctx, keyWord+word)
		for _, id := range ids {
			scores[id] = max(scores[id], score)
		}
		return err
	}
	if err := mark(w, scoreWord); err != nil {
		return nil, err
	}
	n := len([]rune(w))
	if isHan(w) {
		return scores, nil
	}
	if n >= 3 {
		prefix := string([]rune(w)[:min(n, maxPrefix)])
		vocab, err := db.lookup(ctx, keyPrefix+prefix)
		if err != nil {
			return nil, err
		}
		for _, v := range capped(vocab) {
			if v != w && strings.HasPrefix(v, w) {
				if err := mark(v, scorePrefix); err != nil {
					return nil, err
				}
			}
		}
	}
	if len(scores) > 0 || n < minTypoLen {
		return scores, nil
	}
	// One edit: a stored word lost a character (d:w), the query has an extra
	// one (w:v), or both differ in one place (d:v).
	near := map[string]bool{}
	addNear := func(key string) error {
		vocab, err := db.lookup(ctx, key)
		for _, v := range vocab {
			near[v] = true
		}
		return err
	}
	if err := addNear(keyDelete + w); err != nil {
		return nil, err
	}
	for _, v := range deletions(w) {
		near[v] = true
		if err := addNear(keyDelete + v); err != nil {
			return nil, err
		}
	}
	cands := make([]string, 0, len(near))
	for v := range near {
		cands = append(cands, v)
	}
	sort.Strings(cands)
	for _, v := range capped(cands) {
		if err := mark(v, scoreTypo); err != nil {
			return nil, err
		}
	}
	return scores, nil
}

func capped(ws []string) []string {
	if len(ws) > maxVocab {
		return ws[:maxVocab]
	}
	return ws
}

// UpdateCustomer applies u and re-keys the customer when its name, company,
// phones or e-mails change. Returns ECONFLICT when a new phone or e-mail
// belongs to another customer.
func (db *DB) UpdateCustomer(ctx context.Context, id crm.CustomerID, u crm.CustomerUpdate) (*crm.Customer, error) {
	old, err := db.Customer(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := db.checkContactsFree(ctx, id, u.AddPhones, u.AddEmails); err != nil {
		return nil, err
	}
	set := bson.D{{Key: "updatedat", Value: db.now()}}
	setIf := func(key string, v any, ok bool) {
		if ok {
			set = append(set, bson.E{Key: key, Value: v})
		}
	}
	setIf("name", deref(u.Name), u.Name != nil)
	setIf("company", deref(u.Company), u.Company != nil)
	setIf("address", deref(u.Address), u.Address != nil)
	setIf("city", deref(u.City), u.City != nil)
	setIf("website", deref(u.Website), u.Website != nil)
	setIf("preferredcontact", deref(u.PreferredContact), u.PreferredContact != nil)
	setIf("source", deref(u.Source), u.Source != nil)
	setIf("language", deref(u.Language), u.Language != nil)
	setIf("notes", deref(u.Notes), u.Notes != nil)
	if u.Owner != nil {
		set = append(set, bson.E{Key: "owner", Value: string(*u.Owner)})
	}
	if u.Birthday != nil {
		set = append(set, bson.E{Key: "birthday", Value: string(*u.Birthday)})
	}
	if u.Anniversary != nil {
		set = append(set, bson.E{Key: "anniversary", Value: string(*u.Anniversary)})
	}
	if u.Lost != nil {
		set = append(set, bson.E{Key: "lost", Value: u.Lost}, bson.E{Key: "stats.tier", Value: string(crm.TierLost)})
	}
	for k, v := range u.Social {
		set = append(set, bson.E{Key: "social." + k, Value: v})
	}
	update := bson.D{{Key: "$set", Value: set}}
	add := bson.D{}
	addEach := func(key string, vals any, n int) {
		if n > 0 {
			add = append(add, bson.E{Key: key, Value: bson.D{{Key: "$each", Value: vals}}})
		}
	}
	addEach("phones", u.AddPhones, len(u.AddPhones))
	addEach("emails", u.AddEmails, len(u.AddEmails))
	addEach("family", u.AddFamily, len(u.AddFamily))
	addEach("hobbies", u.AddHobbies, len(u.AddHobbies))
	addEach("memberships", u.AddMemberships, len(u.AddMemberships))
	if len(add) > 0 {
		update = append(update, bson.E{Key: "$addToSet", Value: add})
	}
	var d customerDoc
	err = db.customers.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: string(id)}}, update,
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if err != nil {
		return nil, translate("update customer "+string(id), err)
	}
	d.Customer.ID = crm.CustomerID(d.ID)
	c := &d.Customer
	before := customerKeys(old)
	after := customerKeys(c)
	if err := db.moveKeys(ctx, string(id), before, after); err != nil {
		return nil, err
	}
	if err := db.rekeyCare(ctx, old, c); err != nil { // the scheduler's indexes (store/nudge.go)
		return nil, err
	}
	if err := db.rerow(ctx, old, c); err != nil { // the segment index (store/segindex.go)
		return nil, err
	}
	if err := db.addVocabulary(ctx, nameWords(c)); err != nil {
		return nil, err
	}
	return c, nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// SetTier stores a recomputed tier. The document comes back as it was
// (whole: the embedded server has no projection on findAndModify), for the
// segment index's row.
func (db *DB) SetTier(ctx context.Context, id crm.CustomerID, t crm.Tier) error {
	var d customerDoc
	err := db.customers.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: string(id)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "stats.tier", Value: string(t)}}}}).Decode(&d)
	if err == mongo.ErrNoDocuments {
		return nil // merged away since the tiers were computed
	}
	if err == nil { // the scheduler's index of high-value customers (store/nudge.go)
		if t == crm.TierHigh {
			err = db.addKeys(ctx, string(id), []string{keyHighTier})
		} else {
			err = db.removeKeys(ctx, string(id), []string{keyHighTier})
		}
	}
	if err == nil { // the segment index (store/segindex.go)
		old := d.Customer
		old.ID = id
		c := old
		c.Stats.Tier = t
		err = db.rerow(ctx, &old, &c)
	}
	return translate("set tier", err)
}

// CountCustomers returns how many customers there are.
func (db *DB) CountCustomers(ctx context.Context) (int64, error) {
	n, err := db.customers.EstimatedDocumentCount(ctx)
	return n, translate("count customers", err)
}
