package handlers

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"strings"
	"time"

	"github.com/crmbot/crmbot/crm"
)

// InviteTTL is how long an enrolment code is valid.
const InviteTTL = 7 * 24 * time.Hour

// Staff returns the enrolled staff member behind a platform identity.
// Returns ENOTFOUND for anyone not enrolled: transports refuse them before
// any handler runs.
func (h *Handler) Staff(ctx context.Context, id crm.Identity) (*crm.Staff, error) {
	s, err := h.store.StaffByIdentity(ctx, id)
	if err != nil {
		return nil, err
	}
	if !s.Active {
		return nil, crm.Errorf(crm.ENOTFOUND, "err_not_staff")
	}
	return s, nil
}

// Bootstrap makes each identity (CRM_ADMINS, the console user) an admin.
func (h *Handler) Bootstrap(ctx context.Context, ids []crm.Identity) error {
	for _, id := range ids {
		name := string(id)
		if id == "console:local" {
			name = "Console"
		}
		if _, err := h.store.EnsureStaff(ctx, &crm.Staff{Name: name, Role: crm.RoleAdmin, Identities: []crm.Identity{id}}); err != nil {
			return err
		}
	}
	return nil
}

// Enroll redeems an invite code for a new identity and returns the new staff
// member. Returns ENOTFOUND for an unknown code, ECONFLICT for a used one,
// EINVALID for an expired one; the identity is not enrolled in any of those cases.
func (h *Handler) Enroll(ctx context.Context, id crm.Identity, name, lang, code string) (*crm.Staff, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if code == "" || len(code) > 40 {
		return nil, crm.Errorf(crm.ENOTFOUND, "err_invite_unknown")
	}
	// Someone already enrolled keeps who they are; someone whose access was
	// taken away is not let back in by a new code (nor does it use it up):
	// a manager gives access back with "staff on".
	switch s, err := h.store.StaffByIdentity(ctx, id); {
	case err == nil && s.Active:
		return s, nil
	case err == nil:
		return nil, crm.Errorf(crm.ENOTFOUND, "err_not_staff")
	case crm.ErrorCode(err) != crm.ENOTFOUND:
		return nil, err
	}
	s := &crm.Staff{Name: clip(name, 80), Language: Lang(lang), Identities: []crm.Identity{id}}
	inv, err := h.store.EnrollByInvite(ctx, code, s, h.cfg.Now())
	switch crm.ErrorCode(err) {
	case "":
	case crm.ENOTFOUND:
		return nil, crm.Errorf(crm.ENOTFOUND, "err_invite_unknown")
	default:
		return nil, err
	}
	h.log.Info("staff enrolled", "staff", s.ID, "role", s.Role, "invited_by", inv.CreatedBy)
	return s, nil
}

// Welcome is the reply to a newly enrolled staff member.
func (h *Handler) Welcome(s *crm.Staff) Reply {
	lang := h.LangOf(s)
	return Reply{Blocks: []Block{{Text: h.cat.T(lang, "welcome", "name", s.Name, "role", h.cat.T(lang, "role_"+string(s.Role)))},
		{Text: h.cat.T(lang, "help_intro")}}}
}

// invite: invite · invite field · invite manager
func (h *Handler) invite(ctx context.Context, r *request) (Reply, error) {
	role := crm.RoleRep
	if a := strings.ToLower(strings.TrimSpace(r.args)); a != "" {
		var ok bool
		if role, ok = crm.ParseRole(a); !ok {
			return Reply{}, invalid("err_invite_role", "role", clip(a, 20))
		}
	}
	if role == crm.RoleAdmin && r.Staff.Role != crm.RoleAdmin || role == crm.RoleManager && !r.Staff.Role.AtLeast(crm.RoleManager) {
		return Reply{}, crm.Errorf(crm.EFORBIDDEN, "err_invite_higher")
	}
	code, err := newCode()
	if err != nil {
		return Reply{}, err
	}
	now := h.cfg.Now()
	inv := &crm.Invite{Code: code, Role: role, CreatedBy: r.Staff.ID, CreatedAt: now, ExpiresAt: now.Add(InviteTTL)}
	if err := h.store.CreateInvite(ctx, inv); err != nil {
		return Reply{}, err
	}
	var links []string
	if h.cfg.InviteLinks != nil {
		links = h.cfg.InviteLinks(code)
	}
	// The sentence speaks of a link only when there is one to open.
	key := "invite_created"
	if len(links) == 0 {
		key = "invite_created_nolink"
	}
	b := Block{Text: h.cat.T(r.lang, key, "code", code, "role", h.cat.T(r.lang, "role_"+string(role)), "expires", h.when(inv.ExpiresAt))}
	for _, l := range links {
		b.Fields = append(b.Fields, Field{Label: h.cat.T(r.lang, "field_link"), Value: l})
	}
	return Reply{Blocks: []Block{b}}, nil
}

// newCode returns a random enrolment code: 80 bits, base32 without padding.
func newCode() (string, error) {
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b), nil
}

// setLang: lang ms
func (h *Handler) setLang(ctx context.Context, r *request) (Reply, error) {
	l := Lang(r.args)
	if l == "" {
		return Reply{}, invalid("err_bad_lang", "lang", clip(r.args, 10))
	}
	if err := h.store.SetStaffLanguage(ctx, r.Staff.ID, l); err != nil {
		return Reply{}, err
	}
	r.Staff.Language = l
	return Text(h.cat.T(l, "lang_set")), nil
}

// setRole: role <staff name or identity> manager (admins).
func (h *Handler) setRole(ctx context.Context, r *request) (Reply, error) {
	f := strings.Fields(r.args)
	if len(f) < 2 {
		return Reply{}, invalid("err_role_form")
	}
	role, ok := crm.ParseRole(strings.ToLower(f[len(f)-1]))
	if !ok {
		return Reply{}, invalid("err_invite_role", "role", clip(f[len(f)-1], 20))
	}
	s, err := h.staffNamed(ctx, strings.Join(f[:len(f)-1], " "))
	if err != nil {
		return Reply{}, err
	}
	if err := h.store.SetStaffRole(ctx, s.ID, role); err != nil {
		return Reply{}, err
	}
	h.audit(ctx, r, "")
	return Text(h.cat.T(r.lang, "role_set", "name", s.Name, "role", h.cat.T(r.lang, "role_"+string(role)))), nil
}

// staffNamed finds a staff member, with or without access, by identity
// ("telegram:123456789") or by name, ignoring case.
func (h *Handler) staffNamed(ctx context.Context, who string) (*crm.Staff, error) {
	s, err := h.store.StaffByIdentity(ctx, crm.Identity(who))
	if crm.ErrorCode(err) != crm.ENOTFOUND {
		return s, err
	}
	for _, list := range []func(context.Context) ([]crm.Staff, error){h.store.ListStaff, h.store.FormerStaff} {
		all, err := list(ctx)
		if err != nil {
			return nil, err
		}
		for i := range all {
			if strings.EqualFold(all[i].Name, who) {
				return &all[i], nil
			}
		}
	}
	return nil, crm.Errorf(crm.ENOTFOUND, "err_staff_not_found", "name", clip(who, 40))
}

// staff: staff · staff off Aminah · staff on Aminah (managers). Taking
// access away works on every platform at once, since every identity maps to
// the one staff member; their customers and open reminders go to the
// manager who did it, so nobody's follow-up is dropped.
func (h *Handler) staff(ctx context.Context, r *request) (Reply, error) {
	verb, who, _ := strings.Cut(r.args, " ")
	who = strings.TrimSpace(who)
	switch strings.ToLower(verb) {
	case "":
		return h.staffList(ctx, r)
	case "off", "on":
		if who == "" {
			return Reply{}, invalid("err_staff_form")
		}
	default:
		return Reply{}, invalid("err_staff_form")
	}
	s, err := h.staffNamed(ctx, who)
	if err != nil {
		return Reply{}, err
	}
	switch {
	case s.ID == r.Staff.ID:
		return Reply{}, crm.Errorf(crm.EFORBIDDEN, "err_staff_self")
	case s.Role.AtLeast(crm.RoleAdmin) && !r.Staff.Role.AtLeast(crm.RoleAdmin):
		return Reply{}, crm.Errorf(crm.EFORBIDDEN, "err_staff_higher")
	}
	if strings.EqualFold(verb, "on") {
		if err := h.store.SetStaffActive(ctx, s.ID, true); err != nil {
			return Reply{}, err
		}
		h.audit(ctx, r, "")
		h.log.Info("staff access restored", "staff", s.ID, "by", r.Staff.ID)
		return Text(h.cat.T(r.lang, "staff_on", "name", s.Name)), nil
	}
	// Access goes first: whatever happens next, they get nothing more.
	if err := h.store.SetStaffActive(ctx, s.ID, false); err != nil {
		return Reply{}, err
	}
	h.audit(ctx, r, "")
	h.log.Info("staff access removed", "staff", s.ID, "by", r.Staff.ID)
	customers, reminders, err := h.store.HandOver(ctx, s.ID, r.Staff.ID)
	if err != nil {
		return Reply{}, fmt.Errorf("hand over from staff %s: %w", s.ID, err)
	}
	return Text(h.cat.T(r.lang, "staff_off", "name", s.Name, "customers", customers, "reminders", reminders)), nil
}

// staffList shows who has access, with role, platforms and last activity,
// and who no longer has it.
func (h *Handler) staffList(ctx context.Context, r *request) (Reply, error) {
	active, err := h.store.ListStaff(ctx)
	if err != nil {
		return Reply{}, err
	}
	former, err := h.store.FormerStaff(ctx)
	if err != nil {
		return Reply{}, err
	}
	b := Block{Heading: h.cat.T(r.lang, "staff_heading", "count", len(active))}
	for _, s := range active {
		seen := h.cat.T(r.lang, "staff_never_seen")
		if !s.LastSeen.IsZero() {
			seen = h.ago(r.lang, s.LastSeen)
		}
		b.Fields = append(b.Fields, Field{Label: s.Name,
			Value: h.cat.T(r.lang, "role_"+string(s.Role)) + " · " + platforms(s) + " · " + seen})
	}
	blocks := []Block{b}
	if len(former) > 0 {
		f := Block{Heading: h.cat.T(r.lang, "staff_former_heading")}
		for _, s := range former {
			f.Fields = append(f.Fields, Field{Label: s.Name, Value: platforms(s)})
			if len(f.Buttons) < 5 {
				f.Buttons = append(f.Buttons, Button{Label: h.cat.T(r.lang, "btn_staff_on", "name", clip(s.Name, 20)),
					Command: "staff on " + string(s.Identities[0])})
			}
		}
		blocks = append(blocks, f)
	}
	return Reply{Blocks: blocks}, nil
}

// platforms names the identities of a staff member.
func platforms(s crm.Staff) string {
	ids := make([]string, len(s.Identities))
	for i, id := range s.Identities {
		ids[i] = string(id)
	}
	return strings.Join(ids, ", ")
}

// touchEvery is how stale a staff member's last activity may grow before a
// request records it again: one write an hour, not one per request.
const touchEvery = time.Hour

// touch records that s is active, at most once per touchEvery.
func (h *Handler) touch(ctx context.Context, s *crm.Staff) {
	now := h.cfg.Now()
	if now.Sub(s.LastSeen) < touchEvery {
		return
	}
	if err := h.store.TouchStaff(ctx, s.ID, now.Truncate(time.Minute)); err != nil {
		h.log.Warn("record staff activity", "staff", s.ID, "err", err)
	}
}
