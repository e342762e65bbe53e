package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/crmbot/crmbot/crm"
)

// A question's buttons carry a short key (w=1a2b3c4d) instead of the note
// that was typed, since a button's command holds at most 64 bytes. The note,
// and the choices the question offered, wait in the state store.
const (
	heldPrefix = "held:"
	heldFor    = 7 * 24 * time.Hour
)

// held is what a question keeps until a button answers it.
type held struct {
	Text    string   `json:"t"`
	Files   []string `json:"f,omitempty"`
	Choices []string `json:"c,omitempty"`
}

// hold keeps v and returns the "w=<key>" word for the buttons.
func (h *Handler) hold(ctx context.Context, v held) (string, error) {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	key := hex.EncodeToString(b)
	data, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	if err := h.store.PutState(ctx, heldPrefix+key, data, h.now().Add(heldFor)); err != nil {
		return "", err
	}
	return "w=" + key, nil
}

// takeHeld returns what was kept under key, or a refusal when it expired.
func (h *Handler) takeHeld(ctx context.Context, key string) (held, error) {
	var v held
	data, err := h.store.State(ctx, heldPrefix+key, h.now())
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		return v, invalid("err_choice_expired")
	}
	if err != nil {
		return v, err
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return v, invalid("err_choice_expired")
	}
	return v, nil
}

// dropHeld forgets a kept note once its question is answered.
func (h *Handler) dropHeld(ctx context.Context, key string) {
	if key != "" {
		_ = h.store.DeleteState(ctx, heldPrefix+key) // it expires anyway
	}
}

// takeKeys takes the settings named in keys ("as=refund", "w=1a2b3c4d") out
// of s; any other word, "size=XL" too, stays in the text. A key marked
// true runs to the next setting ("competitor=Solar Jaya"); the others take
// one word.
func takeKeys(s string, keys map[string]bool) (text string, vals map[string]string) {
	vals = map[string]string{}
	var words []string
	long := ""
	for _, f := range strings.Fields(s) {
		if k, v, ok := strings.Cut(f, "="); ok {
			if multi, known := keys[strings.ToLower(k)]; known {
				k = strings.ToLower(k)
				vals[k], long = strings.Trim(v, `"'“”`), ""
				if multi {
					long = k
				}
				continue
			}
		}
		if long != "" {
			vals[long] = strings.TrimSpace(vals[long] + " " + strings.Trim(f, `"'“”`))
			continue
		}
		words = append(words, f)
	}
	return strings.Join(words, " "), vals
}
