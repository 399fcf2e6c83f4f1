package fundus_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"fundus"
)

func TestDayOf(t *testing.T) {
	cases := []struct {
		at   string // RFC 3339
		want string
	}{
		{"2025-12-31T22:59:59Z", "2025-12-31"}, // 23:59:59 in Berlin (winter)
		{"2025-12-31T23:00:00Z", "2026-01-01"}, // midnight in Berlin
		{"2026-06-30T21:59:59Z", "2026-06-30"}, // 23:59:59 in Berlin (summer)
		{"2026-06-30T22:00:00Z", "2026-07-01"},
		{"9999-12-31T23:59:59Z", "9999-12-31"}, // 10000-01-01 in Berlin: clamped
	}
	for _, c := range cases {
		t.Run(c.at, func(t *testing.T) {
			at, err := time.Parse(time.RFC3339, c.at)
			if err != nil {
				t.Fatal(err)
			}
			if got := fundus.DayOf(at); got != c.want {
				t.Errorf("DayOf(%s) = %s, want %s", c.at, got, c.want)
			}
		})
	}
}

// AppendInstant and AppendDay write digits by hand: they must write what
// the layouts write, for every instant, in any zone, at the edges of the
// years they take and beyond them.
func TestInstantsAndDaysAsTheLayoutsWriteThem(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 18))
	zones := []*time.Location{time.UTC, fundus.Berlin, time.FixedZone("x", -13*3600-1800)}
	edges := []time.Time{
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 22, 59, 59, 999999999, time.UTC), time.Date(-5000, 3, 1, 1, 2, 3, 4000, time.UTC),
		time.Date(2026, 3, 29, 1, 0, 0, 1000, time.UTC), time.Date(2026, 10, 25, 0, 59, 59, 999999, time.UTC),
	}
	for i := range 200000 {
		var at time.Time
		if i < len(edges) {
			at = edges[i]
		} else {
			at = time.Date(r.IntN(10100)-50, time.January, 1, 0, 0, 0, 0, time.UTC).
				Add(time.Duration(r.Int64N(366 * 24 * int64(time.Hour))))
		}
		at = at.In(zones[i%len(zones)])
		if got, want := string(fundus.AppendInstant([]byte("x"), at)), "x"+at.UTC().Format(fundus.InstantLayout); got != want {
			t.Fatalf("AppendInstant(%v) = %q, want %q", at, got, want)
		}
		want := at.In(fundus.Berlin).Format(time.DateOnly)
		if at.In(fundus.Berlin).Year() > 9999 {
			want = "9999-12-31"
		}
		if got := string(fundus.AppendDay(nil, at)); got != want {
			t.Fatalf("AppendDay(%v) = %q, want %q", at, got, want)
		}
	}
}

func TestIsDay(t *testing.T) {
	for s, want := range map[string]bool{"2026-01-31": true, "2026-02-30": false, "2026-1-31": false, "2026-01-31T00:00:00Z": false, "": false} {
		if got := fundus.IsDay(s); got != want {
			t.Errorf("IsDay(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestParseDay(t *testing.T) {
	cases := []struct {
		name string
		in   string
		end  bool
		want string // "!" for an error
	}{
		{"empty is open", "", false, ""},
		{"a date stands", "2026-01-31", true, "2026-01-31"},
		{"a start time is its Berlin day", "2025-12-31T23:30:00Z", false, "2026-01-01"},
		{"an end time excludes its instant", "2027-01-01T00:00:00+01:00", true, "2026-12-31"},
		{"an end time inside a day keeps it", "2027-01-01T00:00:01+01:00", true, "2027-01-01"},
		{"not a day", "31.01.2026", false, "!"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := fundus.ParseDay(c.in, c.end)
			if c.want == "!" {
				if err == nil {
					t.Fatalf("ParseDay(%q) = %q, want an error", c.in, got)
				}
				return
			}
			if err != nil || got != c.want {
				t.Errorf("ParseDay(%q, %v) = %q, %v; want %q", c.in, c.end, got, err, c.want)
			}
		})
	}
}

func TestDayStart(t *testing.T) {
	for day, want := range map[string]string{
		"2026-03-02": "2026-03-01T23:00:00Z", // winter: UTC+1
		"2026-07-15": "2026-07-14T22:00:00Z", // summer: UTC+2
	} {
		got, err := fundus.DayStart(day)
		if err != nil || got.Format(time.RFC3339) != want {
			t.Errorf("DayStart(%s) = %s, %v; want %s", day, got.Format(time.RFC3339), err, want)
		}
	}
	if _, err := fundus.DayStart("2026-02-30"); err == nil {
		t.Error("DayStart took 2026-02-30")
	}
}
