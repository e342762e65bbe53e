package telegram

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/handlers"
)

// Guided conversations. When a reply asks a question (Reply.Prompt), or a
// command comes without its arguments, the open question is kept in the
// store under "tgconv:<chat>" for ConversationTTL, so a restart or another
// replica continues it. The next plain message answers it; a /command or a
// button ends it. A location, photo or voice note sent while it is open is
// kept with it and goes with the request that completes it.

const (
	convKey        = "tgconv:"
	strangerWindow = time.Hour
)

// conv is an open question in a chat.
type conv struct {
	// Prompt is the request line the answer completes: Prompt + " " + answer.
	Prompt string `json:"prompt"`
	// Step changes how the answer is used:
	//   ""       run Prompt + " " + answer (for a log line: ask when to follow up first)
	//   "when"   run Prompt + ", follow up " + answer
	//   "colon"  ask Ask next, with Prompt + " " + answer + ":" as the new Prompt
	//   "remind" ask when next, then what (remind <who> <when>: <text>)
	//   "attach" the answer is a complaint number for Files
	Step     string   `json:"step,omitempty"`
	Ask      string   `json:"ask,omitempty"`
	Location string   `json:"location,omitempty"`
	Files    []string `json:"files,omitempty"`
}

func (t *Transport) loadConv(ctx context.Context, chat int64) *conv {
	val, err := t.store.State(ctx, convKey+strconv.FormatInt(chat, 10), t.now())
	if err != nil {
		if crm.ErrorCode(err) != crm.ENOTFOUND {
			t.log.Warn("telegram: conversation unreadable", "chat", chat, "err", err)
		}
		return nil
	}
	var c conv
	if json.Unmarshal(val, &c) != nil {
		return nil
	}
	return &c
}

func (t *Transport) saveConv(ctx context.Context, chat int64, c conv) {
	val, _ := json.Marshal(c)
	if err := t.store.PutState(ctx, convKey+strconv.FormatInt(chat, 10), val, t.now().Add(t.cfg.ConversationTTL)); err != nil {
		t.log.Warn("telegram: conversation not saved", "chat", chat, "err", err)
	}
}

func (t *Transport) endConv(ctx context.Context, chat int64) {
	if err := t.store.DeleteState(ctx, convKey+strconv.FormatInt(chat, 10)); err != nil {
		t.log.Warn("telegram: conversation not ended", "chat", chat, "err", err)
	}
}

// text handles typed text (or a caption, with files).
func (c *turn) text(ctx context.Context, staff *crm.Staff, chat int64, text string, files []string) {
	t := c.t
	text = strings.TrimSpace(text)
	if strings.HasPrefix(text, "/") {
		t.endConv(ctx, chat)
		line := strings.TrimPrefix(text, "/")
		word, args, _ := strings.Cut(line, " ")
		word = strings.ToLower(word)
		if i := strings.IndexByte(word, '@'); i > 0 {
			word = word[:i]
		}
		line = strings.TrimSpace(word + " " + strings.TrimSpace(args))
		if word == "cancel" {
			c.say(ctx, chat, t.h.LangOf(staff), "tg_cancelled")
			return
		}
		if c.guide(ctx, staff, chat, word, strings.TrimSpace(args), conv{Files: files}) {
			return
		}
		if word == mediaCommand {
			c.media(ctx, staff, chat, strings.TrimSpace(args))
			return
		}
		c.run(ctx, staff, chat, handlers.Request{Text: line, Files: files})
		return
	}
	cv := t.loadConv(ctx, chat)
	if cv == nil {
		c.run(ctx, staff, chat, handlers.Request{Text: typed(text), Files: files})
		return
	}
	cv.Files = append(cv.Files, files...)
	c.answer(ctx, staff, chat, *cv, text)
}

// typed reads a plain message with no open question: a command typed
// without its slash, or else words to find a customer by ("siti").
func typed(text string) string {
	word, _, _ := strings.Cut(text, " ")
	word = strings.ToLower(word)
	for _, c := range append(handlers.Commands(), "done", "snooze", "role", "start") {
		if word == c {
			return text
		}
	}
	return "find " + text
}

// answer uses text as the answer to the open question cv.
func (c *turn) answer(ctx context.Context, staff *crm.Staff, chat int64, cv conv, text string) {
	t := c.t
	lang := t.h.LangOf(staff)
	switch cv.Step {
	case "when":
		t.endConv(ctx, chat)
		c.run(ctx, staff, chat, handlers.Request{Text: cv.Prompt + ", follow up " + text, Location: cv.Location, Files: cv.Files})
	case "colon":
		next := conv{Prompt: cv.Prompt + " " + text + ":", Location: cv.Location, Files: cv.Files}
		t.saveConv(ctx, chat, next)
		c.say(ctx, chat, lang, cv.Ask)
	case "remind":
		next := conv{Prompt: cv.Prompt + " " + text, Step: "colon", Ask: "tg_ask_remind_text"}
		t.saveConv(ctx, chat, next)
		c.ask(ctx, chat, lang, "tg_ask_when", quick(t, lang, "tg_btn_tomorrow", "tomorrow 09:00", "tg_btn_next_week", "next week"))
	case "attach":
		t.endConv(ctx, chat)
		c.reply(ctx, chat, t.h.AttachPhotos(ctx, staff, text, cv.Files))
	default:
		line := cv.Prompt + " " + text
		if isLogPrompt(cv.Prompt) && !mentionsFollowUp(text) {
			next := conv{Prompt: line, Step: "when", Location: cv.Location, Files: cv.Files}
			t.saveConv(ctx, chat, next)
			bs := quick(t, lang, "tg_btn_tomorrow", "tomorrow", "tg_btn_next_week", "next week", "tg_btn_two_weeks", "in 2 weeks")
			bs = append(bs, handlers.Button{Label: t.h.T(lang, "tg_btn_no_follow_up"), Command: line})
			c.askKeep(ctx, chat, lang, "tg_ask_follow_up", bs, next)
			return
		}
		t.endConv(ctx, chat)
		c.run(ctx, staff, chat, handlers.Request{Text: line, Location: cv.Location, Files: cv.Files})
	}
}

// quickAnswer marks a quick-answer button: its Command is typed as the answer.
const quickAnswer = "\x00answer:"

// quick returns quick-answer buttons from label key, answer pairs.
func quick(t *Transport, lang string, pairs ...string) []handlers.Button {
	var bs []handlers.Button
	for i := 0; i+1 < len(pairs); i += 2 {
		bs = append(bs, handlers.Button{Label: t.h.T(lang, pairs[i]), Command: quickAnswer + pairs[i+1]})
	}
	return bs
}

// ask sends a question with quick-answer buttons.
func (c *turn) ask(ctx context.Context, chat int64, lang, key string, bs []handlers.Button) {
	c.askKeep(ctx, chat, lang, key, bs, conv{})
}

// askKeep sends a question whose buttons carry cv's location and files.
func (c *turn) askKeep(ctx context.Context, chat int64, lang, key string, bs []handlers.Button, cv conv) {
	rep := handlers.Reply{Blocks: []handlers.Block{{Text: c.t.h.T(lang, key), Buttons: bs}}}
	msgs, err := c.t.renderWith(ctx, chat, rep, cv.Location, cv.Files)
	if err != nil {
		c.t.log.Error("telegram: render question", "err", err)
		return
	}
	c.n++
	if err := c.t.enqueue(ctx, c.prefix(), msgs); err != nil {
		c.t.log.Error("telegram: question not queued", "err", err)
	}
}

// isLogPrompt reports whether a prompt waits for the text of a log line
// ("log call #id:"), after which crmbot offers to set a follow-up.
func isLogPrompt(p string) bool { return strings.HasPrefix(p, "log ") && strings.HasSuffix(p, ":") }

// mentionsFollowUp reports whether a log text already says when to follow up.
func mentionsFollowUp(s string) bool {
	s = strings.ToLower(s)
	for _, w := range []string{"follow up", "follow-up", "followup", "susul", "tindak lanjut", "hubungi semula", "跟进", "फॉलो अप"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// guide starts a guided conversation for a command sent without what it
// needs, and reports whether it did.
func (c *turn) guide(ctx context.Context, staff *crm.Staff, chat int64, word, args string, cv conv) bool {
	t := c.t
	lang := t.h.LangOf(staff)
	start := func(next conv, key string) bool {
		next.Location, next.Files = cv.Location, cv.Files
		t.saveConv(ctx, chat, next)
		c.say(ctx, chat, lang, key)
		return true
	}
	switch word {
	case "log":
		if args == "" || isKindWord(args) {
			return start(conv{Prompt: strings.TrimSpace("log " + args)}, "tg_ask_customer")
		}
	case "sale", "complaint":
		if args == "" {
			return start(conv{Prompt: word}, "tg_ask_customer")
		}
	case "add":
		if args == "" {
			return start(conv{Prompt: "add"}, "tg_ask_add")
		}
	case "resolve":
		if args == "" {
			return start(conv{Prompt: "resolve"}, "tg_ask_complaint_no")
		}
	case "edit":
		if args == "" {
			return start(conv{Prompt: "edit", Step: "colon", Ask: "tg_ask_edit"}, "tg_ask_customer")
		}
		if !strings.ContainsAny(args, ":：") {
			return start(conv{Prompt: "edit " + args + ":"}, "tg_ask_edit")
		}
	case "remind":
		if args == "" {
			return start(conv{Prompt: "remind", Step: "remind"}, "tg_ask_customer")
		}
	case "lang":
		if args == "" {
			var bs []handlers.Button
			for _, l := range handlers.Languages {
				bs = append(bs, handlers.Button{Label: languageNames[l], Command: "lang " + l})
			}
			c.reply(ctx, chat, handlers.Reply{Blocks: []handlers.Block{{Text: t.h.T(lang, "tg_ask_lang"), Buttons: bs}}})
			return true
		}
	}
	return false
}

// languageNames are the languages as their speakers write them.
var languageNames = map[string]string{"en": "English", "ms": "Bahasa Melayu", "id": "Bahasa Indonesia", "zh-Hans": "简体中文", "zh-Hant": "繁體中文", "hi": "हिन्दी"}

func isKindWord(s string) bool {
	switch strings.ToLower(s) {
	case "call", "visit", "meeting", "email", "message", "note":
		return true
	}
	return false
}

// run handles a request line and replies; a reply that asks a question
// opens a conversation that keeps the request's location and files.
func (c *turn) run(ctx context.Context, staff *crm.Staff, chat int64, req handlers.Request) {
	t := c.t
	req.Staff = staff
	if req.Progress == nil {
		req.Progress = c.progress(chat)
	}
	rep := t.h.Handle(ctx, req)
	rep = c.withMediaButton(ctx, staff, rep)
	if rep.Prompt != "" {
		t.saveConv(ctx, chat, conv{Prompt: rep.Prompt, Location: req.Location, Files: req.Files})
	}
	c.reply(ctx, chat, rep)
	if word, args, _ := strings.Cut(req.Text, " "); strings.EqualFold(word, "lang") && !rep.Error {
		if l := handlers.Lang(strings.TrimSpace(args)); l != "" {
			t.setChatCommands(ctx, chat, l)
		}
	}
}

// contact looks up a shared phone contact, or offers to add it.
func (c *turn) contact(ctx context.Context, staff *crm.Staff, chat int64, ct *models.Contact) {
	num := strings.TrimSpace(ct.PhoneNumber)
	if num != "" && !strings.HasPrefix(num, "+") && !strings.HasPrefix(num, "0") {
		num = "+" + num // Telegram sends international numbers without the plus
	}
	name := strings.TrimSpace(ct.FirstName + " " + ct.LastName)
	c.reply(ctx, chat, c.t.h.Contact(ctx, staff, name, num))
}

// location keeps a shared location with the open conversation, or starts
// logging a visit with it.
func (c *turn) location(ctx context.Context, staff *crm.Staff, chat int64, l *models.Location) {
	t := c.t
	loc := strconv.FormatFloat(l.Latitude, 'f', 6, 64) + "," + strconv.FormatFloat(l.Longitude, 'f', 6, 64)
	lang := t.h.LangOf(staff)
	if cv := t.loadConv(ctx, chat); cv != nil {
		cv.Location = loc
		t.saveConv(ctx, chat, *cv)
		c.say(ctx, chat, lang, "tg_location_kept")
		return
	}
	t.saveConv(ctx, chat, conv{Prompt: "log visit", Location: loc})
	c.say(ctx, chat, lang, "tg_location_visit")
}

// file handles a photo or a voice note: with a caption it is that request's
// file; in an open conversation it is kept for the request that completes
// it; a photo alone asks which complaint it belongs to.
func (c *turn) file(ctx context.Context, staff *crm.Staff, chat int64, fileID, caption, kind string) {
	t := c.t
	fileID = fileRef(kind, fileID)
	lang := t.h.LangOf(staff)
	caption = strings.TrimSpace(caption)
	if caption != "" {
		if n := strings.TrimPrefix(caption, "#"); kind == "photo" && isNumber(n) {
			c.reply(ctx, chat, t.h.AttachPhotos(ctx, staff, n, []string{fileID}))
			return
		}
		c.text(ctx, staff, chat, caption, []string{fileID})
		return
	}
	if cv := t.loadConv(ctx, chat); cv != nil {
		cv.Files = append(cv.Files, fileID)
		t.saveConv(ctx, chat, *cv)
		c.say(ctx, chat, lang, "tg_"+kind+"_kept")
		return
	}
	if kind == "voice" {
		c.say(ctx, chat, lang, "tg_voice_alone")
		return
	}
	t.saveConv(ctx, chat, conv{Step: "attach", Files: []string{fileID}})
	c.say(ctx, chat, lang, "tg_photo_which")
}

func isNumber(s string) bool {
	_, err := strconv.ParseUint(s, 10, 63)
	return err == nil
}

// callback answers a button press (always, or the button keeps spinning)
// and runs its action. Data the bot did not issue for this chat, or whose
// token expired, gets a short notice and nothing else.
func (c *turn) callback(ctx context.Context, q *models.CallbackQuery) {
	t := c.t
	notice := ""
	var answered sync.Once
	answer := func() {
		answered.Do(func() {
			err := t.callWithRetry(ctx, func() error {
				_, err := t.bot.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: q.ID, Text: notice})
				return err
			})
			if err != nil {
				t.log.Warn("telegram: answerCallbackQuery failed", "update", c.update, "err", t.redact(err))
			}
		})
	}
	defer answer()
	if q.Message.Message != nil && q.Message.Message.Chat.Type != models.ChatTypePrivate {
		return
	}
	chat := q.From.ID
	staff, err := t.h.Staff(ctx, identity(q.From.ID))
	if err != nil {
		return // not staff: nothing to see, and no refusal for a button press
	}
	lang := t.h.LangOf(staff)
	a, err := t.decodeAction(ctx, chat, q.Data)
	if err != nil {
		key := "tg_button_unknown"
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			key = "tg_button_expired"
		} else if crm.ErrorCode(err) != crm.EINVALID {
			t.log.Error("telegram: button unreadable", "update", c.update, "err", err)
			key = "err_internal"
		}
		notice = clipText(t.h.T(lang, key), 200)
		return
	}
	if ans, ok := strings.CutPrefix(a.Cmd, quickAnswer); ok {
		cv := t.loadConv(ctx, chat)
		if cv == nil {
			notice = clipText(t.h.T(lang, "tg_button_expired"), 200)
			return
		}
		c.answer(ctx, staff, chat, *cv, ans)
		return
	}
	t.endConv(ctx, chat)
	if ref, ok := strings.CutPrefix(a.Cmd, mediaCommand+" "); ok {
		c.media(ctx, staff, chat, ref)
		return
	}
	answer() // before the command: an import can run for minutes, the button must not spin
	c.run(ctx, staff, chat, handlers.Request{Text: a.Cmd, Location: a.Location, Files: a.Files})
}

// render turns a reply into messages for chat: HTML text in chunks under
// MaxText with the buttons under the last, and any image as a photo.
func (t *Transport) render(ctx context.Context, chat int64, rep handlers.Reply) ([]outMsg, error) {
	return t.renderWith(ctx, chat, rep, "", nil)
}

func (t *Transport) renderWith(ctx context.Context, chat int64, rep handlers.Reply, location string, files []string) ([]outMsg, error) {
	var msgs []outMsg
	for _, chunk := range split(htmlLines(rep), MaxText) {
		msgs = append(msgs, outMsg{Chat: chat, Text: chunk})
	}
	var kb []kbButton
	for _, b := range rep.Buttons() {
		data, err := t.encodeAction(ctx, action{Chat: chat, Cmd: b.Command, Location: location, Files: files})
		if err != nil {
			return nil, err
		}
		kb = append(kb, kbButton{Text: clipText(b.Label, 60), Data: data})
	}
	if len(kb) > 0 {
		if len(msgs) == 0 {
			msgs = append(msgs, outMsg{Chat: chat, Text: "…"})
		}
		msgs[len(msgs)-1].Buttons = keyboardRows(kb)
	}
	for _, bl := range rep.Blocks {
		if bl.Image != nil && len(bl.Image.PNG) > 0 {
			msgs = append(msgs, outMsg{Chat: chat, PNG: bl.Image.PNG, Caption: escape(clipText(bl.Image.Alt, maxCaption-24))})
		}
		if d := bl.Document; d != nil {
			msgs = append(msgs, outMsg{Chat: chat, Doc: d.Data, DocName: d.Name, Caption: escape(clipText(d.Caption, maxCaption-24))})
		}
	}
	return msgs, nil
}

// Deliver sends rep to the private chat of id within the rate limits. The
// caller (the scheduler) keeps the message and retries on error. A reply
// of several parts with a Key is sent part by part only until Telegram has
// taken the first: the rest go into the outbox under ids made of the Key,
// which sends them in order and never twice, however often Deliver runs
// again. Without a Key every part is sent here and Deliver returns once
// Telegram took them all.
func (t *Transport) Deliver(ctx context.Context, id crm.Identity, rep handlers.Reply) error {
	chat, ok := chatID(id)
	if !ok {
		return crm.Errorf(crm.EINVALID, "err_not_staff")
	}
	msgs, err := t.render(ctx, chat, rep)
	if err != nil {
		return err
	}
	for i, m := range msgs {
		if i > 0 && rep.Key != "" {
			if err := t.enqueue(ctx, "tg:push:"+rep.Key, msgs[i:]); err != nil {
				return fmt.Errorf("%w: queue the rest: %w", handlers.ErrPartlyDelivered, err)
			}
			return nil
		}
		j := &job{msg: m, ctx: ctx, done: make(chan error, 1)}
		if !t.dispatch("out:"+strconv.FormatInt(chat, 10), j) {
			return errNotRunning
		}
		select {
		case err := <-j.done:
			if err != nil && i > 0 {
				return fmt.Errorf("%w: %w", handlers.ErrPartlyDelivered, err)
			}
			if err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

var _ handlers.Deliverer = (*Transport)(nil)
