package slack_test

import (
	"os"
	"strings"
	"testing"
)

// TestManifest checks the app manifest names what the code answers to.
func TestManifest(t *testing.T) {
	raw, err := os.ReadFile("manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := string(raw)
	for _, want := range []string{
		"command: /crm", "callback_id: crm_menu", "callback_id: crm_log_message", "home_tab_enabled: true",
		"- app_home_opened", "- app_mention", "- message.im", "- commands", "- chat:write", "- im:write", "- users:read", "- files:read", "- files:write",
		"socket_mode_enabled: true", "is_enabled: true",
	} {
		if !strings.Contains(m, want) {
			t.Errorf("manifest lacks %q", want)
		}
	}
	if strings.Contains(m, "\t") {
		t.Error("manifest has tabs; YAML wants spaces")
	}
}
