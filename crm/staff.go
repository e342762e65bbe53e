package crm

import (
	"context"
	"time"
)

// StaffID identifies a staff member.
type StaffID string

// Role decides what a staff member may do.
type Role string

// The roles, from least to most trusted.
const (
	RoleField   Role = "field"
	RoleRep     Role = "rep"
	RoleManager Role = "manager"
	RoleAdmin   Role = "admin"
)

// ParseRole returns the role named s, or false.
func ParseRole(s string) (Role, bool) {
	switch r := Role(s); r {
	case RoleField, RoleRep, RoleManager, RoleAdmin:
		return r, true
	}
	return "", false
}

// AtLeast reports whether r carries the rights of min. Field staff and reps
// are peers; managers and admins see everyone's work.
func (r Role) AtLeast(min Role) bool {
	rank := map[Role]int{RoleField: 1, RoleRep: 1, RoleManager: 2, RoleAdmin: 3}
	return rank[r] >= rank[min]
}

// Identity is a staff member's account on one platform: "telegram:123456789",
// "slack:U012ABCDEF", "console:local".
type Identity string

// Staff is an enrolled member of the business.
type Staff struct {
	ID         StaffID
	Name       string
	Role       Role
	Language   string
	Identities []Identity
	CreatedAt  time.Time
	Active     bool
	// LastSeen is when the staff member last asked for anything, to the hour.
	LastSeen time.Time
}

// StaffStore keeps who is enrolled.
type StaffStore interface {
	// StaffByIdentity returns the staff member with that identity. Returns
	// ENOTFOUND for someone not enrolled.
	StaffByIdentity(ctx context.Context, id Identity) (*Staff, error)
	// Staff returns a staff member. Returns ENOTFOUND if there is none.
	Staff(ctx context.Context, id StaffID) (*Staff, error)
	// EnrollStaff creates s (with a new ID when empty) and maps its
	// identities to it. Returns ECONFLICT if an identity is already taken.
	EnrollStaff(ctx context.Context, s *Staff) error
	// EnsureStaff enrols s unless its first identity is already known, and
	// raises its role to s.Role if lower; it returns the stored staff member.
	EnsureStaff(ctx context.Context, s *Staff) (*Staff, error)
	// SetStaffLanguage stores a staff member's reply language.
	SetStaffLanguage(ctx context.Context, id StaffID, lang string) error
	// SetStaffRole changes a staff member's role.
	SetStaffRole(ctx context.Context, id StaffID, r Role) error
	// ListStaff returns every active staff member.
	ListStaff(ctx context.Context) ([]Staff, error)
	// FormerStaff returns the staff members whose access was taken away.
	FormerStaff(ctx context.Context) ([]Staff, error)
	// SetStaffActive gives a staff member access (true) or takes it away on
	// every platform at once (false). Returns ENOTFOUND if there is none.
	SetStaffActive(ctx context.Context, id StaffID, active bool) error
	// TouchStaff records that a staff member was active at at; an earlier
	// time never replaces a later one.
	TouchStaff(ctx context.Context, id StaffID, at time.Time) error
	// HandOver makes to the owner of every customer from owns and of from's
	// open reminders, and says how many of each moved. Running it again
	// after an interruption finishes the job.
	HandOver(ctx context.Context, from, to StaffID) (customers, reminders int, err error)
}

// Invite is a one-time enrolment code.
type Invite struct {
	Code      string
	Role      Role
	CreatedBy StaffID
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedBy    Identity
}

// InviteStore issues and redeems enrolment codes.
type InviteStore interface {
	// CreateInvite stores inv.
	CreateInvite(ctx context.Context, inv *Invite) error
	// EnrollByInvite redeems code for s's first identity at now and enrols
	// s with the invite's role, as one write that a crash cannot leave half
	// done; someone already enrolled is returned as they are. Returns
	// ENOTFOUND for an unknown code, ECONFLICT for one already used or an
	// identity taken, and EINVALID for an expired code.
	EnrollByInvite(ctx context.Context, code string, s *Staff, now time.Time) (*Invite, error)
}
