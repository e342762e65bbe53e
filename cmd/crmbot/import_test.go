package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestImportCommand runs `crmbot import --dry-run`, `crmbot import` and
// `crmbot export` on the embedded store as a person would.
func TestImportCommand(t *testing.T) {
	dir := setEnv(t)
	file := filepath.Join(dir, "customers.csv")
	os.WriteFile(file, []byte("\uFEFFNama;Telefon;Emel;Catatan\nSiti Nurhaliza;012-345 6789;siti@example.my;=1+1\nTan;bad;;\n"), 0o600)
	cli := func(args ...string) (string, string, error) {
		var out, errOut bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		err := run(ctx, args, strings.NewReader(""), &out, &errOut)
		return out.String(), errOut.String(), err
	}
	tests := []struct {
		name    string
		args    []string
		want    []string
		wantErr string
	}{
		{"DryRun", []string{"import", "--dry-run", file}, []string{"Dry run", "Would add 1 new customer,", "line 3: \"bad\" is not a phone number"}, ""},
		{"Import", []string{"import", file}, []string{"1 new customer,", "One row rejected"}, ""},
		{"AgainMatches", []string{"import", file}, []string{"0 new customers", "1 already up to date"}, ""},
		{"Export", []string{"export"}, []string{"Siti Nurhaliza", "'+60123456789", "'=1+1"}, ""},
		{"CheckClean", []string{"check"}, []string{"nothing out of place"}, ""},
		{"CheckRepairClean", []string{"check", "--repair"}, []string{"nothing out of place"}, ""},
		{"CheckUsage", []string{"check", "everything"}, nil, "usage"},
		{"MissingFile", []string{"import"}, nil, "usage"},
		{"NoHeader", []string{"import", writeFile(t, dir, "x.csv", "Siti,0123456789\n")}, nil, "looks like a customer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, err := cli(tt.args...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("%v\n%s", err, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
