package telegram

import (
	"context"
	"strings"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/handlers"
)

// Photos and voice notes are kept in the CRM as "telegram:photo:<file_id>"
// and "telegram:voice:<file_id>": Telegram keeps the file, and a file_id is
// valid for this bot only, so the platform is part of the reference.

// mediaCommand plays back a customer's files: "media #<customer id>". It is
// the transport's own, offered as a button on customer cards that have files.
const mediaCommand = "media"

func fileRef(kind, fileID string) string { return Platform + ":" + kind + ":" + fileID }

// withMediaButton adds a "photos and voice notes" button to a customer card
// whose customer has any. A card is recognised by its "log call #<id>"
// button, which every card carries.
func (c *turn) withMediaButton(ctx context.Context, staff *crm.Staff, rep handlers.Reply) handlers.Reply {
	if len(rep.Blocks) == 0 {
		return rep
	}
	last := &rep.Blocks[len(rep.Blocks)-1]
	var id string
	for _, b := range last.Buttons {
		if ref, ok := strings.CutPrefix(b.Command, "log call #"); ok && !strings.ContainsAny(ref, " :") {
			id = ref
			break
		}
	}
	if id == "" {
		return rep
	}
	ms, err := c.t.h.CustomerMedia(ctx, staff, crm.CustomerID(id))
	if err != nil || len(ms) == 0 {
		return rep
	}
	last.Buttons = append(last.Buttons, handlers.Button{Label: c.t.h.T(c.t.h.LangOf(staff), "tg_btn_media", "count", len(ms)), Command: mediaCommand + " #" + id})
	return rep
}

// media sends a customer's photos and voice notes again, by file_id.
func (c *turn) media(ctx context.Context, staff *crm.Staff, chat int64, ref string) {
	t := c.t
	lang := t.h.LangOf(staff)
	id, ok := strings.CutPrefix(ref, "#")
	if !ok || id == "" {
		c.say(ctx, chat, lang, "tg_media_none")
		return
	}
	ms, err := t.h.CustomerMedia(ctx, staff, crm.CustomerID(id))
	if err != nil || len(ms) == 0 {
		c.say(ctx, chat, lang, "tg_media_none")
		return
	}
	var msgs []outMsg
	for _, m := range ms {
		cap := escape(clipText(m.Caption, maxCaption-24))
		switch {
		case strings.HasPrefix(m.Ref, Platform+":photo:"):
			msgs = append(msgs, outMsg{Chat: chat, Photo: strings.TrimPrefix(m.Ref, Platform+":photo:"), Caption: cap})
		case strings.HasPrefix(m.Ref, Platform+":voice:"):
			msgs = append(msgs, outMsg{Chat: chat, Voice: strings.TrimPrefix(m.Ref, Platform+":voice:"), Caption: cap})
		}
	}
	if len(msgs) == 0 {
		c.say(ctx, chat, lang, "tg_media_none")
		return
	}
	c.n++
	if err := t.enqueue(ctx, c.prefix(), msgs); err != nil {
		t.log.Error("telegram: media not queued", "update", c.update, "err", err)
	}
}
