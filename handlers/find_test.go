package handlers_test

import (
	"fmt"
	"strings"
	"testing"
)

func TestFindByPartOfAPhone(t *testing.T) {
	f := newFixtureIn(t, "MY")
	f.ok("add Siti Nurhaliza +60 12-345 6789")
	f.ok("add Tan Ah Kow +60 19-345 6789")
	f.ok("add Aminah Yusof +60 11-2222 4444")
	tests := []struct {
		name, line string
		refused    bool
		want       []string
		not        []string
	}{
		{"LastDigitsOfOne", "find 2222 4444", false, []string{"Aminah Yusof"}, []string{"Siti", "Tan"}},
		{"LastDigitsOfTwoOffersBoth", "find 345 6789", false, []string{"2 customers match", "Siti Nurhaliza", "Tan Ah Kow"}, []string{"Aminah"}},
		{"MoreDigitsNarrowToOne", "find 123456789", false, []string{"Siti Nurhaliza"}, []string{"Tan Ah Kow"}},
		{"FiveDigitsTooVague", "find 56789", true, []string{"too little of a phone number", "at least its last 6 digits", "find 345 6789"}, nil},
		{"OneDigitTooVague", "find 9", true, []string{"find 345 6789"}, nil},
		{"NoSuchDigits", "find 999999", false, []string{"No customer matches"}, nil},
		{"OtherCommandsTooVague", "log 6789: called", true, []string{"find 345 6789"}, nil},
		{"OtherCommandsByLastDigits", "log 2222 4444: called about the quotation", false, []string{"Aminah Yusof"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := f.do(tt.line)
			if rep.Error != tt.refused {
				t.Errorf("refused %v, want %v:\n%s", rep.Error, tt.refused, rep.Plain())
			}
			contains(t, rep.Plain(), tt.want...)
			for _, n := range tt.not {
				if strings.Contains(rep.Plain(), n) {
					t.Errorf("reply names %q:\n%s", n, rep.Plain())
				}
			}
		})
	}
}

func TestFindForeignLocalNumbers(t *testing.T) {
	tests := []struct {
		region, stored, typed, name string
	}{
		{"MY", "+62 812 3456 7890", "0812-3456-7890", "Budi Santoso"},
		{"MY", "+65 9123 4567", "9123 4567", "Lim Wei Ling"},
		{"MY", "+86 138 0013 8000", "138 0013 8000", "Chen Da Wen"},
		{"MY", "+91 98765 43210", "98765 43210", "Priya Sharma"},
		{"ID", "+60 12-345 6789", "012-345 6789", "Siti Nurhaliza"},
		{"SG", "+60 19-876 5432", "019-876 5432", "Ahmad Faizal"},
		{"IN", "+62 812 3456 7890", "0812 3456 7890", "Budi Santoso"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%sTyped%s", tt.region, strings.ReplaceAll(tt.typed, " ", "")), func(t *testing.T) {
			f := newFixtureIn(t, tt.region)
			f.ok("add " + tt.name + " " + tt.stored)
			f.ok("add Someone Else +60 17-000 0000")
			out := f.ok("find " + tt.typed)
			contains(t, out, tt.name)
			if strings.Contains(out, "Someone Else") {
				t.Errorf("find %s names another customer:\n%s", tt.typed, out)
			}
		})
	}
	t.Run("ReadingsOfSeveralCountriesAreChoices", func(t *testing.T) {
		f := newFixtureIn(t, "MY")
		f.ok("add Lim Wei Ling +65 9123 4567")
		f.ok("add Chan Tai Man +852 9123 4567")
		rep := f.do("find 9123 4567")
		contains(t, rep.Plain(), "2 customers match", "Lim Wei Ling", "Chan Tai Man")
		if len(rep.Buttons()) != 2 {
			t.Errorf("%d buttons, want a choice of 2:\n%s", len(rep.Buttons()), rep.Plain())
		}
	})
	t.Run("CountryCodeGivenIsNotReadAgain", func(t *testing.T) {
		f := newFixtureIn(t, "MY")
		f.ok("add Lim Wei Ling +65 9123 4567")
		contains(t, f.do("find +852 9123 4567").Plain(), "No customer matches")
	})
}

func TestFindByScriptDomainCompanyAndMergedName(t *testing.T) {
	f := newFixtureIn(t, "MY")
	f.ok("add 陳大文 +886 912 345 678 chen@dongfang.com.tw company=東方貿易")
	f.ok("add 陈美玲 +86 139 1234 5678")
	f.ok("add Siti Nurhaliza 012-345 6789 siti@example.my company=Nur Trading")
	f.ok("add Siti N. 011-2222 4444 sn@nurtrading.my")
	f.ok("merge Siti Nurhaliza, Siti N.")
	tests := []struct {
		line string
		want []string
		not  []string
	}{
		{"find 陈", []string{"2 customers match", "陳大文", "陈美玲"}, nil},
		{"find 陈大文", []string{"陳大文"}, []string{"陈美玲"}},
		{"find 陳美玲", []string{"陈美玲"}, []string{"陳大文"}},
		{"find 东方贸易", []string{"陳大文"}, nil},
		{"find dongfang.com.tw", []string{"陳大文"}, nil},
		{"find @example.my", []string{"Siti Nurhaliza"}, nil},
		{"find Nur Trading", []string{"Siti Nurhaliza"}, nil},
		{"find Siti N.", []string{"Siti Nurhaliza"}, nil},
		{"find 2222 4444", []string{"Siti Nurhaliza"}, nil},
		{"find nurtrading.my", []string{"Siti Nurhaliza"}, nil},
		{"find sn@nurtrading.my", []string{"Siti Nurhaliza"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			out := f.ok(tt.line)
			contains(t, out, tt.want...)
			for _, n := range tt.not {
				if strings.Contains(out, n) {
					t.Errorf("reply names %q:\n%s", n, out)
				}
			}
		})
	}
}
