package ledger_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"fundus/db"
	"fundus/db/dbtest"
	"fundus/ledger"
	"fundus/ledger/ledgertest"
)

func exportJSONL(t *testing.T, d *db.DB, from, to string) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := ledger.ExportDB(context.Background(), d, &b, ledger.FormatJSONL, from, to); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func verifyLines(t *testing.T, lines []string) *ledger.FileResult {
	t.Helper()
	r, err := ledger.VerifyFile(strings.NewReader(strings.Join(lines, "\n")+"\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func trailerLine(t *testing.T, tr ledger.Trailer) string {
	t.Helper()
	b, err := json.Marshal(map[string]ledger.Trailer{"trailer": tr})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func trailerOf(t *testing.T, line string) ledger.Trailer {
	t.Helper()
	var tr struct{ Trailer *ledger.Trailer }
	if err := json.Unmarshal([]byte(line), &tr); err != nil || tr.Trailer == nil {
		t.Fatalf("last line %q is not a trailer: %v", line, err)
	}
	return *tr.Trailer
}

// TestJSONLTrailer: the JSONL export ends with a trailer that describes the
// file, the same ledger exports the same bytes, and verify --file refuses a
// file cut at either end, without its trailer, or whose trailer disagrees.
func TestJSONLTrailer(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		if got := strings.TrimSpace(string(exportJSONL(t, d, "", ""))); got !=
			`{"trailer":{"entries":0,"first_seq":0,"last_seq":0,"head_hash":"`+ledger.GenesisHash+`"}}` {
			t.Fatalf("empty ledger: %s", got)
		}
		s, _ := randomLedger(t, d, 30)
		head, err := ledger.ReadChainHead(context.Background(), d)
		if err != nil {
			t.Fatal(err)
		}
		b := exportJSONL(t, d, "", "")
		if again := exportJSONL(t, d, "", ""); !bytes.Equal(b, again) {
			t.Fatal("the same ledger exported different bytes")
		}
		lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		tr := trailerOf(t, lines[len(lines)-1])
		if want := (ledger.Trailer{Entries: head.Seq, FirstSeq: 1, LastSeq: head.Seq, HeadHash: head.Hash}); tr != want {
			t.Fatalf("trailer %+v, want %+v", tr, want)
		}
		if r := verifyLines(t, lines); !r.OK || r.EntriesChecked != head.Seq {
			t.Fatalf("whole file: %+v", r)
		}

		entries := lines[:len(lines)-1]
		withTrailer := func(ls []string, edit func(*ledger.Trailer)) []string {
			tr := tr
			if edit != nil {
				edit(&tr)
			}
			line, _ := json.Marshal(map[string]ledger.Trailer{"trailer": tr})
			return append(append([]string(nil), ls...), string(line))
		}
		for name, c := range map[string]struct {
			lines []string
			line  int // the first bad line
		}{
			"no trailer":                            {entries, len(entries) + 1},
			"cut at the end, trailer gone":          {entries[:20], 21},
			"cut at the end, trailer kept":          {withTrailer(entries[:20], nil), 21},
			"cut at the start":                      {withTrailer(entries[3:], nil), len(entries) - 2},
			"cut at the start, trailer made to fit": {withTrailer(entries[3:], func(t *ledger.Trailer) { t.Entries -= 3; t.FirstSeq += 3 }), 1},
			"head_hash changed": {withTrailer(entries, func(t *ledger.Trailer) {
				t.HeadHash = strings.Repeat("0", 63) + "1"
			}), len(entries) + 1},
			"a line after the trailer": {append(withTrailer(entries, nil), entries[0]), len(entries) + 2},
		} {
			t.Run(name, func(t *testing.T) {
				r := verifyLines(t, c.lines)
				if r.OK || r.FirstBadLine != c.line || r.Problem == "" {
					t.Fatalf("%+v, want not ok at line %d", r, c.line)
				}
			})
		}

		// A range: the trailer describes what the file holds, and names the range.
		for _, day := range []string{"2020-01-01", "2020-01-02", "2020-01-03"} {
			if _, err := postDated(s, day, ledger.Bank, "1.00", ledger.Donations, "-1.00"); err != nil {
				t.Fatal(err)
			}
		}
		from, to := "2020-01-02", "2020-01-03"
		rb := exportJSONL(t, d, from, to)
		rl := strings.Split(strings.TrimSuffix(string(rb), "\n"), "\n")
		rt := trailerOf(t, rl[len(rl)-1])
		var first, last struct {
			Seq  int64
			Hash string
		}
		json.Unmarshal([]byte(rl[0]), &first)
		json.Unmarshal([]byte(rl[len(rl)-2]), &last)
		if rt.Entries != int64(len(rl)-1) || rt.FirstSeq != first.Seq || rt.LastSeq != last.Seq || rt.HeadHash != last.Hash ||
			rt.From != from || rt.To != to || rt.Entries != 2 || first.Seq <= 1 {
			t.Fatalf("range trailer %+v; first %+v, last %+v", rt, first, last)
		}
		if r := verifyLines(t, rl); !r.OK {
			t.Fatalf("range: %+v", r)
		}
		if r := verifyLines(t, append(rl[:len(rl)-2:len(rl)-2], rl[len(rl)-1])); r.OK {
			t.Fatalf("range cut at the end: %+v", r)
		}

		// The trailer is not signed: a file cut at the end with its trailer
		// rewritten verifies alone, but not against the published head;
		// a field no export writes is refused.
		all := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		short := append([]string{}, all[:len(all)-4]...)
		var kept struct {
			Seq  int64
			Hash string
		}
		json.Unmarshal([]byte(short[len(short)-1]), &kept)
		short = append(short, trailerLine(t, ledger.Trailer{Entries: int64(len(short)), FirstSeq: 1, LastSeq: kept.Seq, HeadHash: kept.Hash}))
		if r := verifyLines(t, short); !r.OK {
			t.Fatalf("a cut file with its trailer rewritten, alone: %+v", r)
		}
		published := head
		if r, err := ledger.VerifyFile(strings.NewReader(strings.Join(short, "\n")+"\n"), &published); err != nil || r.OK {
			t.Fatalf("a cut file with its trailer rewritten, against the published head %v: %+v %v", published, r, err)
		}
		if r, err := ledger.VerifyFile(bytes.NewReader(b), &published); err != nil || !r.OK {
			t.Fatalf("the whole file against the published head: %+v %v", r, err)
		}
		wrong := ledger.ChainHead{Seq: head.Seq, Hash: strings.Repeat("a", 64)}
		if r, err := ledger.VerifyFile(bytes.NewReader(b), &wrong); err != nil || r.OK || r.FirstBadLine != int(head.Seq) {
			t.Fatalf("against another head: %+v %v", r, err)
		}
		extra := append([]string{strings.Replace(all[0], `{"id"`, `{"note":"x","id"`, 1)}, all[1:]...)
		if r := verifyLines(t, extra); r.OK || r.FirstBadLine != 1 {
			t.Fatalf("a field no export writes: %+v", r)
		}
		// A name twice in one object: parsers differ on which they take.
		twice := append([]string{strings.Replace(all[1], `"memo":`, `"memo":"evil","memo":`, 1)}, all[2:]...)
		twice = append([]string{all[0]}, twice...)
		if r := verifyLines(t, twice); r.OK || r.FirstBadLine != 2 || !strings.Contains(r.Problem, `"memo" twice`) {
			t.Fatalf("a name twice: %+v", r)
		}
		nested := append([]string{all[0], strings.Replace(all[1], `"account":`, `"account":"x","account":`, 1)}, all[2:]...)
		if r := verifyLines(t, nested); r.OK || r.FirstBadLine != 2 {
			t.Fatalf("a name twice in a posting: %+v", r)
		}
		if r := verifyLines(t, all); !r.OK {
			t.Fatalf("the same names in different objects are fine: %+v", r)
		}

		// A range goes by date, and a later entry dated earlier is not in
		// it: the range skips it and still verifies; a whole export with
		// an entry left out does not.
		for _, day := range []string{"2019-12-31", "2020-01-03"} {
			if _, err := postDated(s, day, ledger.Bank, "1.00", ledger.Donations, "-1.00"); err != nil {
				t.Fatal(err)
			}
		}
		gapped := strings.Split(strings.TrimSuffix(string(exportJSONL(t, d, from, to)), "\n"), "\n")
		if tr := trailerOf(t, gapped[len(gapped)-1]); tr.Entries != 3 || tr.LastSeq-tr.FirstSeq != 3 {
			t.Fatalf("the range with an entry dated before it in the middle: %+v", tr)
		}
		if r := verifyLines(t, gapped); !r.OK {
			t.Fatalf("a range that skips an entry dated outside it: %+v", r)
		}
		whole := strings.Split(strings.TrimSuffix(string(exportJSONL(t, d, "", "")), "\n"), "\n")
		cut := append(append([]string{}, whole[:10]...), whole[11:len(whole)-1]...)
		wt := trailerOf(t, whole[len(whole)-1])
		wt.Entries--
		cut = append(cut, trailerLine(t, wt))
		if r := verifyLines(t, cut); r.OK || r.FirstBadLine != 11 {
			t.Fatalf("a whole export without entry 11, its trailer made to match: %+v", r)
		}
	})
}

// TestVerifyHead: a head kept earlier verifies while the ledger holds it;
// a wrong hash or an entry the ledger does not have does not.
func TestVerifyHead(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := ledgertest.Service(t, d)
		ctx := context.Background()
		for i := 0; i < 3; i++ {
			ledgertest.PostBank(t, s.Writer, "", fmt.Sprint("donation ", i), ledger.Bank, "10.00", ledger.Donations, "-10.00")
		}
		kept, err := ledger.ReadChainHead(ctx, d)
		if err != nil || kept.Seq != 3 || len(kept.Hash) != 64 {
			t.Fatalf("head %+v %v", kept, err)
		}
		ledgertest.PostBank(t, s.Writer, "", "later", ledger.Bank, "10.00", ledger.Donations, "-10.00")
		if r, err := ledger.VerifyHead(ctx, d, kept); err != nil || !r.OK {
			t.Fatalf("kept head: %+v %v", r, err)
		}
		wrong := kept
		wrong.Hash = strings.Repeat("ab", 32)
		if r, err := ledger.VerifyHead(ctx, d, wrong); err != nil || r.OK || r.FirstBadEntry == nil || r.FirstBadEntry.Seq != 3 {
			t.Fatalf("wrong hash: %+v %v", r, err)
		}
		if r, err := ledger.VerifyHead(ctx, d, ledger.ChainHead{Seq: 9, Hash: kept.Hash}); err != nil || r.OK {
			t.Fatalf("an entry the ledger lacks: %+v %v", r, err)
		}
		if h, err := ledger.ParseChainHead(kept.String()); err != nil || h != kept {
			t.Fatalf("parse %q: %+v %v", kept.String(), h, err)
		}
		for _, bad := range []string{"", "3", "x:" + kept.Hash, "0:" + kept.Hash, "3:" + kept.Hash[:63], "3:" + kept.Hash + "0"} {
			if _, err := ledger.ParseChainHead(bad); err == nil {
				t.Errorf("ParseChainHead(%q) passed", bad)
			}
		}
	})
}
