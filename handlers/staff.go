package handlers

import (
	"context"
	"crypto/rand"
	"encoding/base32"
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
	if s, err := h.Staff(ctx, id); err == nil {
		return s, nil
	}
	inv, err := h.store.RedeemInvite(ctx, code, id, h.cfg.Now())
	switch crm.ErrorCode(err) {
	case "":
	case crm.ENOTFOUND:
		return nil, crm.Errorf(crm.ENOTFOUND, "err_invite_unknown")
	default:
		return nil, err
	}
	s := &crm.Staff{Name: clip(name, 80), Role: inv.Role, Language: Lang(lang), Identities: []crm.Identity{id}}
	if err := h.store.EnrollStaff(ctx, s); err != nil {
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
	who := strings.Join(f[:len(f)-1], " ")
	s, err := h.store.StaffByIdentity(ctx, crm.Identity(who))
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		all, lerr := h.store.ListStaff(ctx)
		if lerr != nil {
			return Reply{}, lerr
		}
		for i := range all {
			if strings.EqualFold(all[i].Name, who) {
				s, err = &all[i], nil
				break
			}
		}
	}
	if err != nil {
		return Reply{}, crm.Errorf(crm.ENOTFOUND, "err_staff_not_found", "name", clip(who, 40))
	}
	if err := h.store.SetStaffRole(ctx, s.ID, role); err != nil {
		return Reply{}, err
	}
	return Text(h.cat.T(r.lang, "role_set", "name", s.Name, "role", h.cat.T(r.lang, "role_"+string(role)))), nil
}
