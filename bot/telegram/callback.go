package telegram

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/crmbot/crmbot/crm"
)

// Callback data holds at most 64 bytes. A short command travels inline,
// signed for the chat it was shown in: "c" + 10 characters of HMAC + the
// command. A longer one, or one that carries a shared location or files,
// waits in the store behind a random token: "t" + 16 characters. Data that
// is neither signed by this bot nor a live token is refused.
const (
	maxCallbackData = 64
	macLen          = 10
	inlinePrefix    = "c"
	tokenPrefix     = "t"
	buttonKey       = "tgbtn:"
)

// action is what a button does when pressed.
type action struct {
	Chat int64 `json:"chat"`
	// Cmd is a request line, run as if typed.
	Cmd string `json:"cmd,omitempty"`
	// Answer, instead, answers the chat's open question as if typed.
	Answer   string   `json:"answer,omitempty"`
	Location string   `json:"location,omitempty"`
	Files    []string `json:"files,omitempty"`
}

// callbackKey derives the signing key of inline callback data from the bot
// token, so every replica signs and checks alike.
func callbackKey(token string) []byte {
	k := sha256.Sum256([]byte("crmbot telegram callback v1\x00" + token))
	return k[:]
}

func (t *Transport) mac(chat int64, cmd string) string {
	m := hmac.New(sha256.New, t.key)
	m.Write([]byte(strconv.FormatInt(chat, 10)))
	m.Write([]byte{0})
	m.Write([]byte(cmd))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))[:macLen]
}

// encodeAction returns the callback data of a button.
func (t *Transport) encodeAction(ctx context.Context, a action) (string, error) {
	if a.Answer == "" && a.Location == "" && len(a.Files) == 0 &&
		len(inlinePrefix)+macLen+len(a.Cmd) <= maxCallbackData {
		return inlinePrefix + t.mac(a.Chat, a.Cmd) + a.Cmd, nil
	}
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	tok := base64.RawURLEncoding.EncodeToString(b)
	val, err := json.Marshal(a)
	if err != nil {
		return "", err
	}
	if err := t.store.PutState(ctx, buttonKey+tok, val, t.now().Add(t.cfg.ButtonTTL)); err != nil {
		return "", fmt.Errorf("store button: %w", err)
	}
	return tokenPrefix + tok, nil
}

// decodeAction returns the action behind callback data pressed in chat.
// Returns EINVALID for data this bot did not issue (or issued for another
// chat) and ENOTFOUND for a token that expired.
func (t *Transport) decodeAction(ctx context.Context, chat int64, data string) (action, error) {
	switch {
	case len(data) > len(inlinePrefix)+macLen && data[:len(inlinePrefix)] == inlinePrefix:
		sig, cmd := data[len(inlinePrefix):len(inlinePrefix)+macLen], data[len(inlinePrefix)+macLen:]
		if !hmac.Equal([]byte(sig), []byte(t.mac(chat, cmd))) {
			return action{}, crm.Errorf(crm.EINVALID, "tg_button_unknown")
		}
		return action{Chat: chat, Cmd: cmd}, nil
	case len(data) == len(tokenPrefix)+16 && data[:len(tokenPrefix)] == tokenPrefix:
		val, err := t.store.State(ctx, buttonKey+data[len(tokenPrefix):], t.now())
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			return action{}, crm.Errorf(crm.ENOTFOUND, "tg_button_expired")
		}
		if err != nil {
			return action{}, err
		}
		var a action
		if err := json.Unmarshal(val, &a); err != nil || a.Chat != chat {
			return action{}, crm.Errorf(crm.EINVALID, "tg_button_unknown")
		}
		return a, nil
	}
	return action{}, crm.Errorf(crm.EINVALID, "tg_button_unknown")
}
