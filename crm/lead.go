package crm

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// LeadBand is how ready a prospect looks, from the lead score.
type LeadBand string

// The bands of the lead score.
const (
	LeadHot  LeadBand = "hot"  // score LeadHotFrom and up: worth a call today
	LeadWarm LeadBand = "warm" // score LeadWarmFrom and up: keep in touch
	LeadCold LeadBand = "cold" // below: little says they will buy
)

// The weights of the lead score. A prospect starts at leadBase; each factor
// adds or takes away points; the sum is clamped to 0–100. They are picked so
// that a rep can redo the sum in their head from the reasons on the card.
const (
	// leadBase is a prospect nothing is known about yet: cold until a
	// source or a contact says more.
	leadBase = 30
	// LeadHotFrom and LeadWarmFrom are the lowest scores of the hot and warm bands.
	LeadHotFrom  = 70
	LeadWarmFrom = 45

	// leadWindow is how far back contacts count as recent.
	leadWindow = 30 * 24 * time.Hour
	// leadFaceToFace is a visit or meeting in the window: the strongest
	// sign of interest staff log.
	leadFaceToFace = 8
	// leadCall is a call in the window: a conversation, but cheaper to have.
	leadCall = 6
	// leadWritten is an e-mail or a message in the window: one-way until answered.
	leadWritten = 3
	// leadContactsMax caps the contacts' points so that many messages
	// cannot outweigh everything else (the card keeps the last five anyway).
	leadContactsMax = 30

	// leadCampaignFirst is the first response to a campaign: the prospect
	// answered when the business reached out.
	leadCampaignFirst = 10
	// leadCampaignMore is each further response, up to leadCampaignMax.
	leadCampaignMore = 5
	leadCampaignMax  = 20

	// leadFollowUp is a follow-up planned on a recent contact: someone
	// means to come back to this prospect.
	leadFollowUp = 10

	// leadComplaint is taken away per open complaint, up to
	// leadComplaintMax: an unhappy prospect will not buy until it is fixed.
	leadComplaint    = -15
	leadComplaintMax = -30

	// leadStale is taken away when the last contact (or the creation, for
	// a prospect never contacted) is older than leadStaleAfter, and
	// leadStaler beyond leadStalerAfter: interest fades with silence.
	leadStale       = -10
	leadStaleAfter  = 60 * 24 * time.Hour
	leadStaler      = -20
	leadStalerAfter = 120 * 24 * time.Hour

	// leadReasonsMax is how many reasons the card names.
	leadReasonsMax = 3
)

// leadSources are the points of each kind of lead source, and the words
// staff and imports use for it (lower case, spaces and underscores read as
// dashes). A referral comes with someone's trust; a walk-in or an event
// visitor came in person; web, social and ads are cheaper interest. A
// source not listed adds nothing.
var leadSources = []struct {
	kind   string // names the reason: lead_reason_source_<kind>
	points int
	words  []string
}{
	{"referral", 20, []string{"referral", "referred", "word-of-mouth", "friend", "rujukan", "推荐", "推薦", "介绍", "介紹", "रेफरल"}},
	{"walkin", 15, []string{"walk-in", "walkin", "walk", "shop", "store", "kedai", "到店", "上门", "上門"}},
	{"event", 12, []string{"event", "exhibition", "expo", "fair", "trade-show", "roadshow", "pameran", "展会", "展會"}},
	{"web", 8, []string{"web", "website", "web-search", "search", "google", "online", "laman-web", "网站", "網站"}},
	{"social", 6, []string{"social", "social-media", "facebook", "instagram", "tiktok", "linkedin", "media-sosial", "社交媒体", "社交媒體"}},
	{"ads", 4, []string{"ads", "ad", "advert", "advertisement", "newspaper", "newspaper-ad", "radio", "tv", "flyer", "billboard", "iklan", "广告", "廣告", "विज्ञापन"}},
}

// LeadReason is one thing that moved a lead score, said by a catalogue key.
type LeadReason struct {
	Key    string // catalogue key, e.g. "lead_reason_source_referral"
	Args   []any  // name, value pairs that fill the sentence
	Points int    // what it added; negative when it took away
}

// Lead is a prospect's score, its band and the strongest reasons for it,
// strongest first.
type Lead struct {
	Score   int
	Band    LeadBand
	Reasons []LeadReason
}

// IsProspect reports whether c has never bought and is not lost: the
// customers a lead score is for.
func (c *Customer) IsProspect() bool {
	return c.Stats.Orders == 0 && c.Lost == nil
}

// ScoreLead scores a prospect from 0 to 100 from what its document holds at
// now: the lead source, contacts in the last 30 days (a visit or meeting
// counts more than a call, a call more than a message; notes are not
// contacts), responses to campaigns, a follow-up planned, open complaints and
// silence. It names the strongest reasons, up to three, strongest first; a
// factor that moved nothing is not a reason. It reads c, and reminded, which
// says an open reminder about c exists (reminders are kept apart from the
// customer): a follow-up set with a logged contact counts either way.
func ScoreLead(c *Customer, now time.Time, reminded bool) Lead {
	var rs []LeadReason
	add := func(points int, key string, args ...any) {
		if points != 0 {
			rs = append(rs, LeadReason{Key: key, Args: args, Points: points})
		}
	}

	if kind, points := leadSource(c.Source); points != 0 {
		add(points, "lead_reason_source_"+kind)
	}

	kinds := map[InteractionKind]int{}
	contacts, points := 0, 0
	planned := reminded
	for _, it := range c.Recent {
		if it.FollowUpAt.After(now) {
			planned = true
		}
		age := now.Sub(it.At)
		if age < 0 || age > leadWindow {
			continue
		}
		switch it.Kind {
		case KindVisit, KindMeeting:
			points += leadFaceToFace
		case KindCall:
			points += leadCall
		case KindEmail, KindMessage:
			points += leadWritten
		default:
			continue
		}
		kinds[it.Kind]++
		contacts++
	}
	if contacts > 0 {
		key := "lead_reason_contacts"
		if len(kinds) == 1 {
			for k := range kinds {
				key = "lead_reason_" + string(k)
			}
		}
		add(min(points, leadContactsMax), key, "count", contacts)
	}

	if n := c.Stats.CampaignResponses; n > 0 {
		points := min(leadCampaignFirst+(n-1)*leadCampaignMore, leadCampaignMax)
		if n == 1 {
			add(points, "lead_reason_campaign", "campaign", c.Stats.LastCampaign)
		} else {
			add(points, "lead_reason_campaigns", "count", n, "campaign", c.Stats.LastCampaign)
		}
	}
	if planned {
		add(leadFollowUp, "lead_reason_followup")
	}
	if n := max(c.Stats.OpenComplaints, len(c.Open)); n > 0 {
		add(max(n*leadComplaint, leadComplaintMax), "lead_reason_complaint", "count", n)
	}

	last, key := c.Stats.LastContactAt, "lead_reason_silent"
	if last.IsZero() {
		last, key = c.CreatedAt, "lead_reason_never_contacted"
	}
	if !last.IsZero() {
		silent := now.Sub(last)
		days := int(silent.Hours() / 24)
		switch {
		case silent > leadStalerAfter:
			add(leadStaler, key, "count", days)
		case silent > leadStaleAfter:
			add(leadStale, key, "count", days)
		}
	}

	score := leadBase
	for _, r := range rs {
		score += r.Points
	}
	score = min(max(score, 0), 100)
	band := LeadCold
	switch {
	case score >= LeadHotFrom:
		band = LeadHot
	case score >= LeadWarmFrom:
		band = LeadWarm
	}
	// Strongest first, by how far each moved the score either way; on a
	// tie the order above (source, contacts, campaign, ...) stands.
	slices.SortStableFunc(rs, func(a, b LeadReason) int { return cmp.Compare(abs(b.Points), abs(a.Points)) })
	if len(rs) > leadReasonsMax {
		rs = rs[:leadReasonsMax]
	}
	return Lead{Score: score, Band: band, Reasons: rs}
}

// leadSource returns the kind and points of a lead source, or "", 0 for one
// not in the table.
func leadSource(source string) (string, int) {
	s := strings.ToLower(strings.TrimSpace(source))
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '_' || r == '-' }), "-")
	for _, src := range leadSources {
		if slices.Contains(src.words, s) {
			return src.kind, src.points
		}
	}
	return "", 0
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
