package slack

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/handlers"
)

// source is where a request came from and where its answer goes.
type source struct {
	team, user, name string
	channel          string // where it was typed; "" for App Home and modals
	responseURL      string
	triggerID        string
	viewID           string // the modal a button was pressed in
	threadTS         string
	key              string // de-duplication key of the request; also names its reply
}

// isDM reports whether the request came from the person's DM with the app.
func (s source) isDM() bool { return strings.HasPrefix(s.channel, "D") }

// promptTTL is how long a question asked in a DM waits for its answer.
const promptTTL = 15 * time.Minute

// ephemeralAck is an immediate answer only the sender sees.
func ephemeralAck(text string) map[string]string {
	return map[string]string{"response_type": "ephemeral", "text": text}
}

// onCommand handles /crm and returns the ack's payload, nil for an empty
// ack. Nothing here touches the store: the work runs after the ack.
func (b *Bot) onCommand(c slackgo.SlashCommand) any {
	if c.TeamID != b.teamID {
		b.log.Warn("slack command from another workspace refused", "team", c.TeamID)
		return ephemeralAck(b.h.T(b.cfg.Language, "slack_other_workspace"))
	}
	src := source{team: c.TeamID, user: c.UserID, name: c.UserName, channel: c.ChannelID,
		responseURL: c.ResponseURL, triggerID: c.TriggerID}
	if c.TriggerID != "" {
		src.key = "slack:cmd:" + c.TriggerID
	}
	text := unescape(strings.TrimSpace(c.Text))
	if f, ok := formFor(text); ok {
		b.background("open form", func(ctx context.Context) { b.openForm(ctx, src, f) })
		return nil
	}
	b.background("command", func(ctx context.Context) { b.runLine(ctx, src, text) })
	return nil
}

// onEvent handles an Events API callback after its ack: a DM to the app,
// a mention in a channel, App Home opened. Each event_id is handled once,
// whatever Slack's retries or the number of replicas.
func (b *Bot) onEvent(ev slackevents.EventsAPIEvent, eventID string) {
	if ev.Type != slackevents.CallbackEvent {
		return
	}
	if ev.TeamID != b.teamID {
		b.log.Warn("slack event from another workspace ignored", "team", ev.TeamID)
		return
	}
	var src source
	var line string
	var files []slackgo.File
	home := false
	switch e := ev.InnerEvent.Data.(type) {
	case *slackevents.MessageEvent:
		if e.ChannelType != "im" || e.BotID != "" || (e.SubType != "" && e.SubType != "file_share") || e.User == "" || e.User == b.botUserID {
			return
		}
		src = source{team: ev.TeamID, user: e.User, channel: e.Channel}
		line = e.Text
		if e.Message != nil {
			files = e.Message.Files
		}
	case *slackevents.AppMentionEvent:
		if e.BotID != "" || e.User == "" {
			return
		}
		thread := e.ThreadTimeStamp
		if thread == "" {
			thread = e.TimeStamp
		}
		src = source{team: ev.TeamID, user: e.User, channel: e.Channel, threadTS: thread}
		line = mention.ReplaceAllString(e.Text, "")
		files = e.Files
	case *slackevents.AppHomeOpenedEvent:
		if e.Tab != "home" {
			return
		}
		src = source{team: ev.TeamID, user: e.User}
		home = true
	default:
		b.log.Debug("slack event not handled", "type", ev.InnerEvent.Type)
		return
	}
	src.key = "slack:" + eventID
	if eventID == "" {
		src.key = ""
	}
	b.background("event", func(ctx context.Context) {
		if home {
			if !b.firstSeen(ctx, src.key) {
				return
			}
			s, err := b.staff(ctx, src.team, src.user, "")
			if err != nil {
				return
			}
			b.publishHome(ctx, src.user, s)
			return
		}
		b.runRequest(ctx, src, unescape(strings.TrimSpace(line)), files)
	})
}

// mention matches the app's own mention at the start of a message.
var mention = regexp.MustCompile(`^\s*<@[A-Z0-9]+(\|[^>]*)?>\s*`)

// unescape reverses Slack's escaping of typed text: a member's mention
// becomes their identity ("role @aminah manager" reaches the handlers as
// "role slack:U0456 manager"), links, e-mails and phone numbers keep their
// label, and &lt; &gt; &amp; become < > &.
func unescape(s string) string {
	s = link.ReplaceAllStringFunc(s, func(m string) string {
		g := link.FindStringSubmatch(m)
		if strings.HasPrefix(g[1], "@U") || strings.HasPrefix(g[1], "@W") {
			return "slack:" + g[1][1:]
		}
		if g[2] != "" {
			return g[2]
		}
		return g[1]
	})
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

var link = regexp.MustCompile(`<(?:mailto:|tel:)?([^|>]*)(?:\|([^>]*))?>`)

// firstSeen records a request key and reports whether it is new. When the
// store cannot tell, the request is handled: a rare double beats a loss.
func (b *Bot) firstSeen(ctx context.Context, key string) bool {
	if key == "" {
		return true
	}
	first, err := b.store.FirstSeen(ctx, key, b.now())
	if err != nil {
		b.log.Warn("slack dedup unavailable", "key", key, "err", err)
		return true
	}
	if !first {
		b.log.Info("slack duplicate request skipped", "key", key)
	}
	return first
}

// runLine runs one request line for the sender of src and queues the answer.
func (b *Bot) runLine(ctx context.Context, src source, line string) {
	b.runRequest(ctx, src, line, nil)
}

// runRequest runs one request for the sender of src and queues the answer.
// The first of files, when there are any, is the request's upload, and the
// line its comment. Progress lines of a long request go to the sender as
// messages; its answer then follows them the same way, in order.
func (b *Bot) runRequest(ctx context.Context, src source, line string, files []slackgo.File) {
	if !b.firstSeen(ctx, src.key) {
		return
	}
	s, err := b.staff(ctx, src.team, src.user, src.name)
	if code, ok := startCode(line); ok && b.cfg.Enrol == EnrolInvite && crm.ErrorCode(err) == crm.ENOTFOUND {
		b.enrol(ctx, src, code)
		return
	}
	if err != nil {
		b.send(ctx, src, s, handlers.Reply{Blocks: []handlers.Block{{Text: b.refusal(s, err)}}, Error: true})
		return
	}
	req := handlers.Request{Staff: s}
	if len(files) > 0 {
		req.Upload = b.upload(ctx, files[0])
	} else if src.isDM() {
		line = b.answerPrompt(ctx, src.user, line)
	}
	req.Text = line
	var progressed atomic.Bool
	steps := src
	steps.responseURL, steps.key = "", "" // a response_url takes only five messages
	req.Progress = func(ctx context.Context, text string) {
		progressed.Store(true)
		b.send(ctx, steps, s, handlers.Text(text))
	}
	rep := b.h.Handle(ctx, req)
	if len(files) > 1 {
		rep.Blocks = append(rep.Blocks, handlers.Block{Text: b.h.T(b.h.LangOf(s), "slack_first_file_only", "file", req.Upload.Name, "count", len(files))})
	}
	if progressed.Load() {
		src.responseURL = ""
	}
	b.send(ctx, src, s, rep)
	if changesHome(line) && !rep.Error {
		b.publishHome(ctx, src.user, s)
	}
}

// answerPrompt prefixes a DM with the question the app asked last, unless
// the person typed a new command instead.
func (b *Bot) answerPrompt(ctx context.Context, user, line string) string {
	key := "slack:prompt:" + user
	v, err := b.store.State(ctx, key, b.now())
	if err != nil {
		return line
	}
	b.store.DeleteState(ctx, key)
	word, _, _ := strings.Cut(strings.TrimSpace(line), " ")
	if slices.Contains(handlers.Commands(), strings.ToLower(word)) {
		return line
	}
	return string(v) + " " + line
}

// changesHome reports whether a request line may change what App Home shows.
func changesHome(line string) bool {
	word, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(line)), " ")
	switch word {
	case "add", "log", "sale", "complaint", "resolve", "remind", "done", "snooze", "edit":
		return true
	}
	return false
}

// send renders rep and queues it where src expects its answer: the
// response_url of a command or button (ephemeral in channels), the DM it
// came from, ephemerally to the sender in a channel, or the sender's DM.
func (b *Bot) send(ctx context.Context, src source, s *crm.Staff, rep handlers.Reply) {
	lang := b.h.LangOf(s)
	if s == nil {
		lang = b.cfg.Language
	}
	// Files go to the sender's DM: in a channel only the sender may see
	// customer data, and an upload cannot be ephemeral.
	files := replyFiles(rep)
	fileTo := src.user
	if src.isDM() {
		fileTo = src.channel
	}
	shown := rep
	if len(files) > 0 && (src.isDM() || src.channel == "") {
		shown = withoutFiles(rep) // the files' own comments say what they hold
	}
	id := ""
	if src.key != "" {
		id = "reply:" + src.key
	}
	if len(files) > 0 && len(shown.Blocks) == 0 && rep.Prompt == "" {
		b.queueFiles(ctx, id, fileTo, src.user, files)
		return
	}
	blocks, text := render(shown, b.h.T(lang, "slack_more"))
	if rep.Prompt != "" {
		if f, ok := formFor(strings.TrimSuffix(strings.TrimSpace(rep.Prompt), ":")); ok {
			blocks = append(blocks, slackgo.NewActionBlock("", button(actionForm+f.name, b.h.T(lang, "slack_open_form"), f.line)))
		}
		if src.isDM() {
			b.store.PutState(ctx, "slack:prompt:"+src.user, []byte(rep.Prompt), b.now().Add(promptTTL))
		}
	}
	raw, _ := json.Marshal(blocks)
	m := outMsg{Text: text, Blocks: raw, User: src.user}
	switch {
	case src.responseURL != "":
		m.Kind, m.ResponseURL, m.ResponseType = kindResponse, src.responseURL, "ephemeral"
		if src.isDM() {
			m.ResponseType = "in_channel"
		}
	case src.isDM():
		m.Kind, m.Channel = kindPost, src.channel
	case src.channel != "":
		m.Kind, m.Channel = kindEphemeral, src.channel
	default:
		m.Kind, m.Channel = kindPost, src.user
	}
	if err := b.out.enqueue(ctx, id, m); err != nil {
		b.log.Error("slack reply not queued", "key", src.key, "err", err)
		return
	}
	b.log.Debug("slack reply queued", "key", src.key, "kind", m.Kind)
	b.queueFiles(ctx, id, fileTo, src.user, files)
}

// onInteraction handles buttons, menus, modal submissions and shortcuts and
// returns the ack's payload (nil for an empty ack). Only options requests
// and modal submissions wait for the store, within the ack budget.
func (b *Bot) onInteraction(cb slackgo.InteractionCallback) any {
	team := cb.Team.ID
	if team == "" {
		team = cb.User.TeamID
	}
	if team != b.teamID {
		b.log.Warn("slack interaction from another workspace refused", "team", team)
		if cb.Type == slackgo.InteractionTypeViewSubmission {
			return slackgo.NewClearViewSubmissionResponse()
		}
		return nil
	}
	src := source{team: team, user: cb.User.ID, name: cb.User.Name, channel: cb.Channel.ID,
		responseURL: cb.ResponseURL, triggerID: cb.TriggerID}
	if cb.View.Type == slackgo.VTModal {
		src.viewID = cb.View.ID
	}
	if cb.TriggerID != "" {
		src.key = "slack:act:" + cb.TriggerID
	}
	switch cb.Type {
	case slackgo.InteractionTypeBlockActions:
		for _, a := range cb.ActionCallback.BlockActions {
			b.onAction(src, cb, a)
		}
	case slackgo.InteractionTypeBlockSuggestion:
		return b.options(src, cb.ActionID, cb.Value)
	case slackgo.InteractionTypeViewSubmission:
		return b.submit(src, cb)
	case slackgo.InteractionTypeShortcut:
		if cb.CallbackID != callbackShortcut {
			b.log.Warn("slack shortcut not known", "callback_id", clip(cb.CallbackID, 40))
			return nil
		}
		b.background("open form", func(ctx context.Context) { b.openForm(ctx, src, form{name: formMenu}) })
	case slackgo.InteractionTypeMessageAction:
		if cb.CallbackID != callbackLogMessage {
			b.log.Warn("slack message shortcut not known", "callback_id", clip(cb.CallbackID, 40))
			return nil
		}
		f := form{name: formLog, kind: string(crm.KindMessage), notes: unescape(cb.Message.Text)}
		b.background("open form", func(ctx context.Context) { b.openForm(ctx, src, f) })
	case slackgo.InteractionTypeViewClosed:
	default:
		b.log.Debug("slack interaction not handled", "type", string(cb.Type))
	}
	return nil
}

// onAction handles one pressed button.
func (b *Bot) onAction(src source, cb slackgo.InteractionCallback, a *slackgo.BlockAction) {
	id := a.ActionID
	switch {
	case strings.HasPrefix(id, actionCommand):
		line := strings.TrimSpace(a.Value)
		if f, ok := formFor(line); ok {
			b.background("open form", func(ctx context.Context) { b.openForm(ctx, src, f) })
			return
		}
		b.background("action", func(ctx context.Context) { b.runLine(ctx, src, line) })
	case strings.HasPrefix(id, actionForm):
		f, ok := formFor(strings.TrimSpace(a.Value))
		if !ok {
			f = form{name: strings.TrimPrefix(id, actionForm)}
		}
		if !knownForm(f.name) {
			b.unknownAction(src, id)
			return
		}
		b.background("open form", func(ctx context.Context) { b.openForm(ctx, src, f) })
	case strings.HasPrefix(id, actionMenu):
		name := strings.TrimPrefix(id, actionMenu)
		if !knownForm(name) || cb.View.ID == "" {
			b.unknownAction(src, id)
			return
		}
		meta := decodeMeta(cb.View.PrivateMetadata)
		src.channel = meta.Channel
		b.background("switch form", func(ctx context.Context) { b.switchForm(ctx, src, cb.View.ID, form{name: name}) })
	default:
		b.unknownAction(src, id)
	}
}

// unknownAction answers a button crmbot does not know (an old message, a
// forged payload) with one clear sentence.
func (b *Bot) unknownAction(src source, actionID string) {
	b.log.Warn("slack action not known", "action_id", clip(actionID, 40))
	b.background("unknown action", func(ctx context.Context) {
		s, err := b.staff(ctx, src.team, src.user, src.name)
		if err != nil {
			return
		}
		src.key = ""
		b.send(ctx, src, s, handlers.Reply{Blocks: []handlers.Block{{Text: b.h.T(b.h.LangOf(s), "slack_unknown_action")}}, Error: true})
	})
}

// startCode reads "start CODE", the line that redeems an invite.
func startCode(line string) (string, bool) {
	word, code, _ := strings.Cut(strings.TrimSpace(line), " ")
	code = strings.TrimSpace(code)
	return code, strings.EqualFold(word, "start") && code != "" && !strings.Contains(code, " ")
}

// enrol redeems an invite code for the sender of src, a full member of the
// workspace (b.staff has refused guests before this is reached).
func (b *Bot) enrol(ctx context.Context, src source, code string) {
	name := src.name
	lang := ""
	if u, err := b.api.GetUserInfoContext(ctx, src.user, slackgo.GetUserInfoOptionIncludeLocale(true)); err == nil {
		if u.RealName != "" {
			name = u.RealName
		}
		lang = u.Locale
	}
	if name == "" {
		name = src.user
	}
	s, err := b.h.Enroll(ctx, crm.Identity("slack:"+src.user), name, lang, code)
	if err != nil {
		var e *crm.Error
		if !errors.As(err, &e) || e.Code == crm.EINTERNAL {
			b.log.Error("slack enrolment failed", "user", src.user, "err", err)
			e = crm.Errorf(crm.EINTERNAL, "err_internal")
		}
		b.send(ctx, src, nil, handlers.Reply{Blocks: []handlers.Block{{Text: b.h.T(handlers.Lang(lang), e.Key)}}, Error: true})
		return
	}
	b.log.Info("slack member enrolled by invite", "staff", s.ID, "user", src.user)
	b.send(ctx, src, s, b.h.Welcome(s))
}
