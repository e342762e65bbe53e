package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/phone"
)

// add: add Siti Nurhaliza +60 12-345 6789 siti@example.my source=referral
func (h *Handler) add(ctx context.Context, r *request) (Reply, error) {
	head, kvs := splitKV(r.args)
	force := false
	var settings []kv
	for _, s := range kvs {
		if s.key == "force" {
			force = true
			continue
		}
		settings = append(settings, s)
	}
	name, phones, emails, err := h.contactWords(head)
	if err != nil {
		return Reply{}, err
	}
	u, err := h.settings(settings)
	if err != nil {
		return Reply{}, err
	}
	if u.Name != nil {
		name = *u.Name
	}
	if strings.TrimSpace(name) == "" {
		return Reply{}, invalid("err_add_name_missing")
	}
	c := &crm.Customer{Name: clip(name, 120), Phones: phones, Emails: emails, Owner: r.Staff.ID, CreatedBy: r.Staff.ID, CreatedAt: h.now()}
	c.Phones = append(c.Phones, u.AddPhones...)
	c.Emails = append(c.Emails, u.AddEmails...)
	fill(c, u)
	if err := h.store.CreateCustomer(ctx, c, force); err != nil {
		if e, ok := asError(err); ok && e.Code == crm.ECONFLICT && e.Args["id"] != nil {
			return h.duplicateReply(ctx, r, e)
		}
		return Reply{}, err
	}
	h.audit(ctx, r, c.ID)
	rep := h.card(ctx, r, c)
	rep.Blocks = append([]Block{{Text: h.cat.T(r.lang, "added", "name", c.Name)}}, rep.Blocks...)
	return rep, nil
}

// duplicateReply shows the customer who already has the phone or e-mail and
// how to add the new one anyway.
func (h *Handler) duplicateReply(ctx context.Context, r *request, e *crm.Error) (Reply, error) {
	existing, err := h.store.Customer(ctx, crm.CustomerID(fmt.Sprint(e.Args["id"])))
	if err != nil {
		return Reply{}, err
	}
	rep := h.card(ctx, r, existing)
	note := Block{Text: h.cat.T(r.lang, "duplicate_contact", "contact", e.Args["contact"], "name", existing.Name, "command", "add "+r.args+" force=yes")}
	note.Buttons = []Button{{Label: h.cat.T(r.lang, "btn_add_anyway"), Command: "add " + r.args + " force=yes"}}
	rep.Blocks = append([]Block{note}, rep.Blocks...)
	return rep, nil
}

// contactWords reads a name, phones and e-mails from free words, in any order.
func (h *Handler) contactWords(s string) (name string, phones, emails []string, err error) {
	var nameWords, run []string
	flush := func() error {
		if len(run) == 0 {
			return nil
		}
		defer func() { run = nil }()
		joined := strings.Join(run, " ")
		if !phone.Looks(joined) {
			nameWords = append(nameWords, run...)
			return nil
		}
		if e, ok := phone.Normalize(joined, h.cfg.Region); ok {
			phones = append(phones, e)
			return nil
		}
		for _, p := range run { // two numbers typed side by side
			e, ok := phone.Normalize(p, h.cfg.Region)
			if !ok {
				return invalid("err_bad_phone", "phone", clip(joined, 30))
			}
			phones = append(phones, e)
		}
		return nil
	}
	for _, f := range strings.Fields(s) {
		switch {
		case strings.Contains(f, "@"):
			if err := flush(); err != nil {
				return "", nil, nil, err
			}
			e, err := email(f)
			if err != nil {
				return "", nil, nil, err
			}
			emails = append(emails, e)
		case phoneish(f):
			run = append(run, f)
		case digitsAndLetters(f):
			return "", nil, nil, invalid("err_bad_phone", "phone", clip(f, 30))
		default:
			if err := flush(); err != nil {
				return "", nil, nil, err
			}
			nameWords = append(nameWords, f)
		}
	}
	if err := flush(); err != nil {
		return "", nil, nil, err
	}
	return strings.Join(nameWords, " "), phones, emails, nil
}

func phoneish(f string) bool {
	digit := false
	for _, r := range f {
		switch {
		case unicode.IsDigit(r):
			digit = true
		case strings.ContainsRune("+-().", r):
		default:
			return false
		}
	}
	return digit
}

// digitsAndLetters catches a phone typed with a letter in it ("012-34S 6789").
func digitsAndLetters(f string) bool {
	digits, letters := 0, 0
	for _, r := range f {
		switch {
		case unicode.IsDigit(r):
			digits++
		case unicode.IsLetter(r):
			letters++
		}
	}
	return digits >= 3 && letters > 0
}

// email validates and lower-cases an address.
func email(s string) (string, error) {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.IndexByte(s, '@'):], ".") {
		return "", invalid("err_bad_email", "email", clip(s, 40))
	}
	return strings.ToLower(s), nil
}

// find: find siti · find 0123456789 · find 陈
func (h *Handler) find(ctx context.Context, r *request) (Reply, error) {
	q := strings.TrimSpace(r.args)
	if q == "" {
		return Reply{Blocks: []Block{{Text: h.cat.T(r.lang, "ask_find")}}, Prompt: "find"}, nil
	}
	cs, total, err := h.search(ctx, q, 10)
	if err != nil {
		return Reply{}, err
	}
	switch len(cs) {
	case 0:
		return Reply{Blocks: []Block{{
			Text:    h.cat.T(r.lang, "err_customer_not_found", "query", clip(q, 40)),
			Buttons: []Button{{Label: h.cat.T(r.lang, "btn_add"), Command: "add " + clip(q, 50)}},
		}}}, nil
	case 1:
		return h.card(ctx, r, cs[0]), nil
	}
	return h.candidates(r, cs, total, func(ref string) string { return "show " + ref }), nil
}

// show: show Siti Nurhaliza
func (h *Handler) show(ctx context.Context, r *request) (Reply, error) {
	if r.args == "" {
		return Reply{Blocks: []Block{{Text: h.cat.T(r.lang, "ask_customer")}}, Prompt: "show"}, nil
	}
	p, err := h.customer(ctx, r, r.args, func(ref string) string { return "show " + ref })
	if err != nil || p.reply != nil {
		return deref(p.reply), err
	}
	return h.card(ctx, r, p.customer), nil
}

// edit: edit Siti: birthday=1990-03-14 hobby=golf company=Nur Trading
func (h *Handler) edit(ctx context.Context, r *request) (Reply, error) {
	who, rest, ok := splitColon(r.args)
	if !ok || rest == "" {
		return Reply{}, invalid("err_edit_form")
	}
	head, kvs := splitKV(rest)
	if head != "" || len(kvs) == 0 {
		return Reply{}, invalid("err_edit_form")
	}
	u, err := h.settings(kvs)
	if err != nil {
		return Reply{}, err
	}
	p, err := h.customer(ctx, r, who, func(ref string) string { return "edit " + ref + ": " + rest })
	if err != nil || p.reply != nil {
		return deref(p.reply), err
	}
	c, err := h.store.UpdateCustomer(ctx, p.customer.ID, u)
	if err != nil {
		return Reply{}, err
	}
	h.audit(ctx, r, c.ID)
	var changed []string
	for _, s := range kvs {
		changed = append(changed, s.key+"="+s.value)
	}
	rep := h.card(ctx, r, c)
	rep.Blocks = append([]Block{{Text: h.cat.T(r.lang, "edited", "name", c.Name, "changes", strings.Join(changed, ", "))}}, rep.Blocks...)
	return rep, nil
}

// socialKeys are the social profiles a customer can have.
var socialKeys = map[string]bool{"facebook": true, "instagram": true, "linkedin": true, "twitter": true, "x": true, "tiktok": true, "whatsapp": true, "wechat": true, "line": true, "telegram": true}

// settings turns key=value words into a customer update; unknown keys and bad
// values are refused before anything is written.
func (h *Handler) settings(kvs []kv) (crm.CustomerUpdate, error) {
	var u crm.CustomerUpdate
	str := func(v string) *string { v = clip(strings.TrimSpace(v), 200); return &v }
	for _, s := range kvs {
		v := strings.TrimSpace(s.value)
		if v == "" {
			return u, invalid("err_empty_value", "key", s.key)
		}
		switch s.key {
		case "name":
			u.Name = str(v)
		case "company":
			u.Company = str(v)
		case "phone":
			e, ok := phone.Normalize(v, h.cfg.Region)
			if !ok {
				return u, invalid("err_bad_phone", "phone", clip(v, 30))
			}
			u.AddPhones = append(u.AddPhones, e)
		case "email":
			e, err := email(v)
			if err != nil {
				return u, err
			}
			u.AddEmails = append(u.AddEmails, e)
		case "address":
			u.Address = str(v)
		case "city":
			u.City = str(v)
		case "website", "web":
			u.Website = str(v)
		case "source":
			u.Source = str(strings.ToLower(v))
		case "contact", "prefer", "preferred":
			u.PreferredContact = str(strings.ToLower(v))
		case "lang", "language":
			l := Lang(v)
			if l == "" {
				return u, invalid("err_bad_lang", "lang", clip(v, 10))
			}
			u.Language = &l
		case "birthday", "anniversary":
			d, err := parseDate(v)
			if err != nil {
				return u, err
			}
			if s.key == "birthday" {
				u.Birthday = &d
			} else {
				u.Anniversary = &d
			}
		case "hobby", "hobbies":
			for _, x := range strings.Split(v, ",") {
				if x = strings.TrimSpace(x); x != "" {
					u.AddHobbies = append(u.AddHobbies, clip(x, 60))
				}
			}
		case "member", "membership":
			u.AddMemberships = append(u.AddMemberships, clip(v, 100))
		case "note", "notes":
			u.Notes = str(v)
		case "family":
			f, err := familyMember(v)
			if err != nil {
				return u, err
			}
			u.AddFamily = append(u.AddFamily, f)
		default:
			if !socialKeys[s.key] {
				return u, invalid("err_unknown_field", "key", s.key)
			}
			if u.Social == nil {
				u.Social = map[string]string{}
			}
			u.Social[s.key] = clip(v, 200)
		}
	}
	return u, nil
}

// fill copies an update's values onto a new customer.
func fill(c *crm.Customer, u crm.CustomerUpdate) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&c.Company, u.Company)
	set(&c.Address, u.Address)
	set(&c.City, u.City)
	set(&c.Website, u.Website)
	set(&c.Source, u.Source)
	set(&c.PreferredContact, u.PreferredContact)
	set(&c.Language, u.Language)
	set(&c.Notes, u.Notes)
	if u.Birthday != nil {
		c.Birthday = *u.Birthday
	}
	if u.Anniversary != nil {
		c.Anniversary = *u.Anniversary
	}
	c.Family = append(c.Family, u.AddFamily...)
	c.Hobbies = append(c.Hobbies, u.AddHobbies...)
	c.Memberships = append(c.Memberships, u.AddMemberships...)
	c.Social = u.Social
}

// parseDate reads 1990-03-14, 14/03/1990 or 03-14 (year unknown).
func parseDate(s string) (crm.Date, error) {
	for _, layout := range []string{"2006-01-02", "2/1/2006", "02/01/2006", "2-1-2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return crm.Date(t.Format("2006-01-02")), nil
		}
	}
	if t, err := time.Parse("01-02", s); err == nil {
		return crm.Date(t.Format("--01-02")), nil
	}
	return "", invalid("err_bad_date", "date", clip(s, 20))
}

// relations are the words for family members understood in `family=`.
var relations = map[string]string{
	"wife": "spouse", "husband": "spouse", "spouse": "spouse", "isteri": "spouse", "istri": "spouse", "suami": "spouse",
	"son": "child", "daughter": "child", "child": "child", "anak": "child",
	"father": "parent", "mother": "parent", "parent": "parent", "bapa": "parent", "ibu": "parent", "ayah": "parent",
}

// familyMember reads "Aminah wife 1992-05-01" (relation and date optional).
func familyMember(v string) (crm.FamilyMember, error) {
	var f crm.FamilyMember
	var name []string
	for _, w := range strings.Fields(strings.ReplaceAll(v, ",", " ")) {
		if rel, ok := relations[strings.ToLower(w)]; ok && f.Relation == "" {
			f.Relation = rel
			continue
		}
		if strings.ContainsAny(w, "0123456789") {
			d, err := parseDate(w)
			if err != nil {
				return f, err
			}
			f.Birthday = d
			continue
		}
		name = append(name, w)
	}
	f.Name = clip(strings.Join(name, " "), 80)
	if f.Name == "" {
		return f, invalid("err_family_form")
	}
	return f, nil
}

func asError(err error) (*crm.Error, bool) {
	var e *crm.Error
	ok := errors.As(err, &e)
	return e, ok
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
