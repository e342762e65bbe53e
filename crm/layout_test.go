package crm_test

import (
	"go/build"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/crmbot/crmbot/"

// allowed says which of our packages each layer may import (DESIGN §1):
// cmd -> bot -> handlers -> crm <- store. Leaf packages (phone, dates, money) hold
// one job each and import none of ours.
var allowed = map[string][]string{
	"crm":             {},
	"crm/crmtest":     {"crm"},
	"phone":           {},
	"dates":           {},
	"money":           {},
	"store":           {"crm"},
	"store/storetest": {"store"},
	"custfile":        {"crm", "phone", "money"},
	"handlers":        {"crm", "phone", "dates", "money", "custfile"},
	"bot/":            {"crm", "handlers", "phone", "money", "bot/"},
	"cmd/":            {"*"},
}

// sdks may only be imported by the layer that wraps them.
var sdks = map[string]string{
	"go.mongodb.org/mongo-driver":  "store",
	"github.com/FerretDB/FerretDB": "store",
	"github.com/slack-go/slack":    "bot/slack",
	"github.com/go-telegram/bot":   "bot/telegram",
}

func TestDependenciesPointOneWay(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if name := d.Name(); strings.HasPrefix(name, ".") || name == "testdata" || name == "data" {
			return filepath.SkipDir
		}
		pkg, err := build.ImportDir(path, 0)
		if err != nil {
			return nil // no Go files here
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		rules, ok := rulesFor(rel)
		if !ok {
			t.Errorf("package %s is in no layer of DESIGN §1", rel)
			return nil
		}
		for _, imp := range pkg.Imports {
			if ours, found := strings.CutPrefix(imp, module); found {
				if !permitted(rules, ours) {
					t.Errorf("%s imports %s, against DESIGN §1", rel, ours)
				}
				continue
			}
			for sdk, owner := range sdks {
				if strings.HasPrefix(imp, sdk) && !strings.HasPrefix(rel, owner) && !strings.HasPrefix(rel, "cmd/") {
					t.Errorf("%s imports %s, which only %s may", rel, imp, owner)
				}
			}
			if rel == "crm" && strings.Contains(strings.Split(imp, "/")[0], ".") {
				t.Errorf("crm imports third-party %s; it keeps to the standard library", imp)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func rulesFor(rel string) ([]string, bool) {
	for layer, rules := range allowed {
		if rel == layer || strings.HasSuffix(layer, "/") && strings.HasPrefix(rel, layer) {
			return rules, true
		}
	}
	return nil, false
}

func permitted(rules []string, imp string) bool {
	for _, r := range rules {
		if r == "*" || r == imp || strings.HasSuffix(r, "/") && strings.HasPrefix(imp, r) {
			return true
		}
	}
	return false
}
