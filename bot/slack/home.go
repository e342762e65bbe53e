package slack

import (
	"context"
	"sort"
	"strconv"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/crmbot/crmbot/crm"
)

// Care thresholds of App Home: an owned customer needs care with an open
// complaint, or without contact for this long.
const careSilence = 30 * 24 * time.Hour

// publishHome publishes a staff member's App Home: follow-ups overdue and due
// today with buttons to finish them, owned customers needing care, and quick
// buttons for the forms. It is republished after each change a person makes.
func (b *Bot) publishHome(ctx context.Context, user string, s *crm.Staff) {
	view, err := b.home(ctx, s)
	if err != nil {
		b.log.Warn("slack home not built", "staff", s.ID, "err", err)
		return
	}
	if _, err := b.api.PublishViewContext(ctx, slackgo.PublishViewContextRequest{UserID: user, View: view}); err != nil {
		b.log.Warn("slack home not published", "staff", s.ID, "err", err)
	}
}

func (b *Bot) home(ctx context.Context, s *crm.Staff) (slackgo.HomeTabViewRequest, error) {
	lang := b.h.LangOf(s)
	t := func(key string, args ...any) string { return b.h.T(lang, key, args...) }
	loc := b.cfg.Location
	now := b.now().In(loc)
	endOfDay := time.Date(now.Year(), now.Month(), now.Day(), 23, 59, 59, 0, loc)
	when := func(at time.Time) string { return at.In(loc).Format("2006-01-02 15:04") }

	rs, err := b.store.OpenReminders(ctx, s.ID)
	if err != nil {
		return slackgo.HomeTabViewRequest{}, err
	}
	blocks := []slackgo.Block{
		slackgo.NewHeaderBlock(plain(t("slack_home_title", "name", s.Name), 150)),
		slackgo.NewActionBlock("quick",
			button(actionForm+formAdd, t("slack_title_add"), ""),
			button(actionForm+formLog, t("slack_title_log"), ""),
			button(actionForm+formComplaint, t("slack_title_complaint"), ""),
			button(actionForm+formSale, t("slack_title_sale"), ""),
			button(actionCommand+"0", t("slack_home_all_followups"), "followups")),
		slackgo.NewDividerBlock(),
		slackgo.NewHeaderBlock(plain(t("slack_home_followups"), 150)),
	}
	due, later := 0, 0
	for _, r := range rs {
		if r.DueAt.After(endOfDay) {
			later++
			continue
		}
		due++
		if due > 15 {
			continue
		}
		mark := ""
		if r.DueAt.Before(now) {
			mark = ":warning: "
		}
		line := mark + "*" + escape(when(r.DueAt)) + "* " + escape(clip(r.Customer, 60)) + ": " + escape(clip(r.Text, 150))
		blocks = append(blocks, slackgo.NewSectionBlock(mrkdwn(line), nil, nil),
			slackgo.NewActionBlock("",
				button(actionCommand+"done", t("btn_done"), "done "+r.ID),
				button(actionCommand+"show", t("btn_show"), "show #"+string(r.CustomerID)),
				button(actionForm+formLog, t("btn_log_call"), "log call #"+string(r.CustomerID))))
	}
	if due == 0 {
		blocks = append(blocks, slackgo.NewSectionBlock(mrkdwn(escape(t("slack_home_no_followups"))), nil, nil))
	}
	if due > 15 || later > 0 {
		blocks = append(blocks, slackgo.NewContextBlock("", plain(t("slack_home_more", "count", max(due-15, 0), "later", later), 150)))
	}

	blocks = append(blocks, slackgo.NewDividerBlock(), slackgo.NewHeaderBlock(plain(t("slack_home_care"), 150)))
	owned, err := b.store.CustomersOwnedBy(ctx, s.ID, 500)
	if err != nil {
		return slackgo.HomeTabViewRequest{}, err
	}
	type care struct {
		c      *crm.Customer
		reason string
		rank   int
	}
	var cares []care
	for _, c := range owned {
		switch {
		case c.Stats.OpenComplaints > 0 || len(c.Open) > 0:
			n := max(c.Stats.OpenComplaints, len(c.Open))
			cares = append(cares, care{c, t("slack_home_care_complaints", "count", n), 0})
		case c.Stats.LastContactAt.IsZero() && now.Sub(c.CreatedAt) > careSilence:
			cares = append(cares, care{c, t("slack_home_care_never"), 1})
		case !c.Stats.LastContactAt.IsZero() && now.Sub(c.Stats.LastContactAt) > careSilence:
			days := int(now.Sub(c.Stats.LastContactAt).Hours() / 24)
			cares = append(cares, care{c, t("slack_home_care_silent", "count", days), 2})
		}
	}
	sort.SliceStable(cares, func(i, j int) bool { return cares[i].rank < cares[j].rank })
	for i, c := range cares {
		if i == 10 {
			blocks = append(blocks, slackgo.NewContextBlock("", plain(t("slack_home_care_more", "count", len(cares)-10), 150)))
			break
		}
		sec := slackgo.NewSectionBlock(mrkdwn("*"+escape(clip(c.c.Name, 80))+"* · "+escape(c.reason)), nil,
			slackgo.NewAccessory(button(actionCommand+"care"+strconv.Itoa(i), t("btn_show"), "show #"+string(c.c.ID))))
		blocks = append(blocks, sec)
	}
	if len(cares) == 0 {
		blocks = append(blocks, slackgo.NewSectionBlock(mrkdwn(escape(t("slack_home_no_care"))), nil, nil))
	}
	blocks = append(blocks, slackgo.NewContextBlock("", plain(t("slack_home_updated", "when", when(now)), 150)))
	return slackgo.HomeTabViewRequest{Type: slackgo.VTHomeTab, Blocks: slackgo.Blocks{BlockSet: blocks}}, nil
}
