package dates

import (
	"testing"
	"time"
	_ "time/tzdata"
)

func TestParse(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Kuala_Lumpur")
	if err != nil {
		t.Fatal(err)
	}
	p := New(loc)
	// Monday 23 November 2026, 10:00 in Kuala Lumpur.
	monday := time.Date(2026, 11, 23, 10, 0, 0, 0, loc)
	friday := time.Date(2026, 11, 27, 10, 0, 0, 0, loc)
	jan31 := time.Date(2027, 1, 31, 10, 0, 0, 0, loc)
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, loc) }
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, loc) }

	tests := []struct {
		name   string
		in     string
		now    time.Time // zero means monday
		want   time.Time
		timed  bool
		rest   string
		noDate bool
	}{
		// ISO and numeric forms.
		{name: "iso date", in: "2026-12-01", want: day(2026, 12, 1)},
		{name: "iso date time", in: "2026-12-01 09:00", want: at(2026, 12, 1, 9, 0), timed: true},
		{name: "iso date am", in: "2026-12-01 9am", want: at(2026, 12, 1, 9, 0), timed: true},
		{name: "dmy", in: "1/12/2026", want: day(2026, 12, 1)},
		{name: "dmy invalid", in: "31/02/2027", noDate: true},
		{name: "iso in the past", in: "2020-01-01", noDate: true},
		{name: "clock already past is tomorrow", in: "09:00", want: at(2026, 11, 24, 9, 0), timed: true},
		{name: "clock later today", in: "15:00", want: at(2026, 11, 23, 15, 0), timed: true},

		// English.
		{name: "today", in: "today", want: day(2026, 11, 23)},
		{name: "tomorrow", in: "tomorrow", want: day(2026, 11, 24)},
		{name: "day after tomorrow", in: "day after tomorrow", want: day(2026, 11, 25)},
		{name: "next friday", in: "next friday", want: day(2026, 11, 27)},
		{name: "friday", in: "friday", want: day(2026, 11, 27)},
		{name: "this friday", in: "this friday", want: day(2026, 11, 27)},
		{name: "friday on a friday is today", in: "friday", now: friday, want: day(2026, 11, 27)},
		{name: "next friday on a friday", in: "next friday", now: friday, want: day(2026, 12, 4)},
		{name: "friday next week", in: "friday next week", want: day(2026, 12, 4)},
		{name: "next week", in: "next week", want: day(2026, 11, 30)},
		{name: "next week on friday", in: "next week", now: friday, want: day(2026, 11, 30)},
		{name: "next month", in: "next month", want: day(2026, 12, 23)},
		{name: "next month clamps", in: "next month", now: jan31, want: day(2027, 2, 28)},
		{name: "in 3 days", in: "in 3 days", want: day(2026, 11, 26)},
		{name: "in 2 weeks", in: "in 2 weeks", want: day(2026, 12, 7)},
		{name: "in 2 hours", in: "in 2 hours", want: at(2026, 11, 23, 12, 0), timed: true},
		{name: "in 30 minutes", in: "in 30 minutes", want: at(2026, 11, 23, 10, 30), timed: true},
		{name: "tomorrow 3pm", in: "tomorrow 3pm", want: at(2026, 11, 24, 15, 0), timed: true},
		{name: "tomorrow at 15:00", in: "tomorrow at 15:00", want: at(2026, 11, 24, 15, 0), timed: true},
		{name: "next friday 9am", in: "next friday 9am", want: at(2026, 11, 27, 9, 0), timed: true},
		{name: "3pm tomorrow", in: "3pm tomorrow", want: at(2026, 11, 24, 15, 0), timed: true},
		{name: "tomorrow morning", in: "tomorrow morning", want: at(2026, 11, 24, 9, 0), timed: true},
		{name: "fallback chinese month day", in: "下个月5号", want: day(2026, 12, 5)},
		{name: "fallback chinese date", in: "12月5日", want: day(2026, 12, 5)},
		{name: "fallback ignores sat", in: "Tan sat tomorrow", want: day(2026, 11, 24), rest: "Tan sat"},
		{name: "fallback ignores letter hour", in: "ok 5 a", noDate: true},
		{name: "fallback month name", in: "call dec 5 at 3pm", want: at(2026, 12, 5, 15, 0), timed: true, rest: "call"},

		// Malay / Indonesian.
		{name: "hari ini", in: "hari ini", want: day(2026, 11, 23)},
		{name: "esok", in: "esok", want: day(2026, 11, 24)},
		{name: "besok", in: "besok", want: day(2026, 11, 24)},
		{name: "lusa", in: "lusa", want: day(2026, 11, 25)},
		{name: "minggu depan", in: "minggu depan", want: day(2026, 11, 30)},
		{name: "bulan depan", in: "bulan depan", want: day(2026, 12, 23)},
		{name: "dalam 3 hari", in: "dalam 3 hari", want: day(2026, 11, 26)},
		{name: "3 hari lagi", in: "3 hari lagi", want: day(2026, 11, 26)},
		{name: "2 minggu lagi", in: "2 minggu lagi", want: day(2026, 12, 7)},
		{name: "dalam 2 jam", in: "dalam 2 jam", want: at(2026, 11, 23, 12, 0), timed: true},
		{name: "jumaat depan", in: "Jumaat depan", want: day(2026, 11, 27)},
		{name: "jumat depan", in: "Jumat depan", want: day(2026, 11, 27)},
		{name: "isnin", in: "isnin", want: day(2026, 11, 23)},
		{name: "isnin depan", in: "isnin depan", want: day(2026, 11, 30)},
		{name: "senin", in: "Senin", want: day(2026, 11, 23)},
		{name: "selasa", in: "selasa", want: day(2026, 11, 24)},
		{name: "rabu", in: "rabu", want: day(2026, 11, 25)},
		{name: "khamis", in: "khamis", want: day(2026, 11, 26)},
		{name: "kamis", in: "kamis", want: day(2026, 11, 26)},
		{name: "jumaat", in: "jumaat", want: day(2026, 11, 27)},
		{name: "jumat", in: "jumat", want: day(2026, 11, 27)},
		{name: "sabtu", in: "sabtu", want: day(2026, 11, 28)},
		{name: "ahad", in: "ahad", want: day(2026, 11, 29)},
		{name: "minggu", in: "minggu", want: day(2026, 11, 29)},
		{name: "hari minggu depan", in: "hari minggu depan", want: day(2026, 11, 29)},
		{name: "esok pukul 3 petang", in: "esok pukul 3 petang", want: at(2026, 11, 24, 15, 0), timed: true},
		{name: "besok jam 15:00", in: "besok jam 15:00", want: at(2026, 11, 24, 15, 0), timed: true},
		{name: "esok 9 pagi", in: "esok 9 pagi", want: at(2026, 11, 24, 9, 0), timed: true},
		{name: "besok jam 4 sore", in: "besok jam 4 sore", want: at(2026, 11, 24, 16, 0), timed: true},
		{name: "esok pukul 8 malam", in: "esok pukul 8 malam", want: at(2026, 11, 24, 20, 0), timed: true},
		{name: "esok pagi", in: "esok pagi", want: at(2026, 11, 24, 9, 0), timed: true},
		{name: "esok petang", in: "esok petang", want: at(2026, 11, 24, 15, 0), timed: true},
		{name: "besok malam", in: "besok malam", want: at(2026, 11, 24, 20, 0), timed: true},
		{name: "besok sore", in: "besok sore", want: at(2026, 11, 24, 15, 0), timed: true},
		{name: "malay sentence", in: "hantar sebut harga kepada Siti esok pukul 3 petang", want: at(2026, 11, 24, 15, 0), timed: true, rest: "hantar sebut harga kepada Siti"},

		// Chinese.
		{name: "今天", in: "今天", want: day(2026, 11, 23)},
		{name: "明天", in: "明天", want: day(2026, 11, 24)},
		{name: "后天", in: "后天", want: day(2026, 11, 25)},
		{name: "下周五", in: "下周五", want: day(2026, 12, 4)},
		{name: "周五", in: "周五", want: day(2026, 11, 27)},
		{name: "星期五", in: "星期五", want: day(2026, 11, 27)},
		{name: "星期日", in: "星期日", want: day(2026, 11, 29)},
		{name: "3天后", in: "3天后", want: day(2026, 11, 26)},
		{name: "三天后", in: "三天后", want: day(2026, 11, 26)},
		{name: "下周", in: "下周", want: day(2026, 11, 30)},
		{name: "下个月", in: "下个月", want: day(2026, 12, 23)},
		{name: "明天下午3点", in: "明天下午3点", want: at(2026, 11, 24, 15, 0), timed: true},
		{name: "明天15:00", in: "明天15:00", want: at(2026, 11, 24, 15, 0), timed: true},
		{name: "明天上午九点半", in: "明天上午九点半", want: at(2026, 11, 24, 9, 30), timed: true},
		{name: "2小时后", in: "2小时后", want: at(2026, 11, 23, 12, 0), timed: true},
		{name: "chinese sentence", in: "明天下午3点给张三打电话", want: at(2026, 11, 24, 15, 0), timed: true, rest: "给张三打电话"},

		// Traditional Chinese, as typed in Taiwan.
		{name: "下週五", in: "下週五", want: day(2026, 12, 4)},
		{name: "後天", in: "後天", want: day(2026, 11, 25)},
		{name: "下個月", in: "下個月", want: day(2026, 12, 23)},
		{name: "三個禮拜以後", in: "三個禮拜以後", want: day(2026, 12, 14)},
		{name: "下週五跟進 keeps the rest", in: "下週五跟進", want: day(2026, 12, 4), rest: "跟進"},

		// Hindi.
		{name: "हफ्ते बाद", in: "हफ्ते बाद", want: day(2026, 11, 30)},
		{name: "एक हफ्ते बाद", in: "एक हफ्ते बाद", want: day(2026, 11, 30)},
		{name: "दो दिन बाद", in: "दो दिन बाद", want: day(2026, 11, 25)},
		{name: "महीने बाद", in: "महीने बाद", want: day(2026, 12, 23)},
		{name: "आज", in: "आज", want: day(2026, 11, 23)},
		{name: "कल", in: "कल", want: day(2026, 11, 24)},
		{name: "परसों", in: "परसों", want: day(2026, 11, 25)},
		{name: "अगले शुक्रवार", in: "अगले शुक्रवार", want: day(2026, 11, 27)},
		{name: "शुक्रवार को", in: "शुक्रवार को", want: day(2026, 11, 27)},
		{name: "3 दिन में", in: "3 दिन में", want: day(2026, 11, 26)},
		{name: "अगले हफ्ते", in: "अगले हफ्ते", want: day(2026, 11, 30)},
		{name: "कल शाम 5 बजे", in: "कल शाम 5 बजे", want: at(2026, 11, 24, 17, 0), timed: true},
		{name: "कलम is not कल", in: "कलम भेजो", noDate: true},

		// Dates inside sentences.
		{name: "sentence next friday", in: "called about the quotation, follow up next friday", want: day(2026, 11, 27), rest: "called about the quotation, follow up"},
		{name: "sentence iso", in: "Siti 2026-12-01 09:00", want: at(2026, 12, 1, 9, 0), timed: true, rest: "Siti"},
		{name: "sentence leading date", in: "tomorrow, call Tan Ah Kow", want: day(2026, 11, 24), rest: "call Tan Ah Kow"},
		{name: "sentence on friday", in: "follow up on friday with Siti", want: day(2026, 11, 27), rest: "follow up with Siti"},
		{name: "sentence spaces", in: "  call   Siti   besok  ", want: day(2026, 11, 24), rest: "call Siti"},

		// No date.
		{name: "no date", in: "send catalogue", noDate: true},
		{name: "name siti", in: "Siti", noDate: true},
		{name: "name tan ah kow", in: "Tan Ah Kow", noDate: true},
		{name: "plural weekday", in: "closed on mondays", noDate: true},
		{name: "besok is not esok inside", in: "kuesok", noDate: true},
		{name: "empty", in: "", noDate: true},
		{name: "price is not a time", in: "quoted RM 9.50 per unit", noDate: true},
		{name: "bad clock", in: "call at 25:00", noDate: true},
		{name: "invalid utf8", in: "\xff\xfe tomorrow", want: day(2026, 11, 24), rest: "\xff\xfe"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			now := tc.now
			if now.IsZero() {
				now = monday
			}
			got, timed, rest, ok := p.Parse(tc.in, now)
			if tc.noDate {
				if ok {
					t.Fatalf("Parse(%q) = %v, %v, %q, true; want ok=false", tc.in, got, timed, rest)
				}
				return
			}
			if !ok {
				t.Fatalf("Parse(%q): ok=false", tc.in)
			}
			if !got.Equal(tc.want) || got.Location() != loc {
				t.Errorf("Parse(%q) t = %v, want %v", tc.in, got, tc.want)
			}
			if timed != tc.timed {
				t.Errorf("Parse(%q) timed = %v, want %v", tc.in, timed, tc.timed)
			}
			if rest != tc.rest {
				t.Errorf("Parse(%q) rest = %q, want %q", tc.in, rest, tc.rest)
			}
			start := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
			if got.Before(start) {
				t.Errorf("Parse(%q) = %v, before start of today", tc.in, got)
			}
		})
	}
}

func TestParseOtherZone(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	// 20:00 UTC on 23 Nov is already 24 Nov 01:30 in Kolkata.
	now := time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC)
	got, timed, _, ok := New(loc).Parse("tomorrow", now)
	want := time.Date(2026, 11, 25, 0, 0, 0, 0, loc)
	if !ok || timed || !got.Equal(want) || got.Location() != loc {
		t.Fatalf("Parse = %v, %v, %v; want %v untimed", got, timed, ok, want)
	}
}
