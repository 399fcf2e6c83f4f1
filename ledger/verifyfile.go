package ledger

import (
	"fundus"

	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"time"

	"fundus/errs"
)

// FileResult is what verifying an exported JSONL file found.
type FileResult struct {
	VerifyResult
	FirstBadLine int `json:"first_bad_line,omitempty"`
}

// fileEntry is one line of a JSONL export.
type fileEntry struct {
	ID       string `json:"id"`
	Seq      int64  `json:"seq"`
	Time     string `json:"time"`
	Date     string `json:"date"`
	Kind     string `json:"kind"`
	Memo     string `json:"memo"`
	Ref      *Ref   `json:"ref"`
	Actor    string `json:"actor"`
	Reverses string `json:"reverses"`
	Postings []struct {
		Account  string            `json:"account"`
		Amount   fundus.AmountText `json:"amount"`
		Currency string            `json:"currency"`
	} `json:"postings"`
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
}

// fileLine is one line of a JSONL export: an entry, or the trailer.
type fileLine struct {
	fileEntry
	Trailer *Trailer `json:"trailer"`
}

// VerifyFile checks a JSONL export with no database: every line but the
// last is an entry whose hash matches its canonical bytes, that links to
// the line before, follows it in sequence without a gap and balances. A
// file that starts at entry 1 must start from the genesis hash; one that
// starts later, or skips entries (a date range: see the trailer), is
// checked from each such line on. The last line is the Trailer, and the
// entries must agree with it: their count, the first and last sequence
// number, the last entry's hash; a trailer without "from" claims a file
// that starts at entry 1, one without "from" and "to" a file without gaps.
// So a file cut at either end, or without its trailer, does not verify.
// The trailer is not signed: a file cut at the end with its trailer
// rewritten to match verifies alone. With head (a chain head published on
// the fund page or in a report), the file must also hold that entry with
// that hash, which such a file does not. Lines with fields an export does
// not write are refused. It names the first bad line.
func VerifyFile(r io.Reader, head *ChainHead) (*FileResult, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	res := &FileResult{}
	v := newVerifier()
	fail := func(line int, format string, args ...any) (*FileResult, error) {
		res.VerifyResult = *v.result
		res.OK, res.FirstBadLine, res.Problem = false, line, fmt.Sprintf(format, args...)
		return res, nil
	}
	var trailer *Trailer
	var firstSeq, lastSeq int64
	var gapLine int
	var headSeen bool
	var gap string // the first entry missing between two lines, or before the first
	lastHash := GenesisHash
	line := 0
	// failInLoop reports a problem found at line, unless an entry was
	// missing earlier and the file claims to be a whole export (its trailer,
	// read ahead, names no range): then that gap is the first bad line.
	failInLoop := func(line int, format string, args ...any) (*FileResult, error) {
		if gap != "" && !rangeTrailer(sc) {
			return fail(gapLine, "line %d: %s", gapLine, gap)
		}
		return fail(line, format, args...)
	}
	for sc.Scan() {
		line++
		if trailer != nil {
			return failInLoop(line, "line %d follows the trailer, which must be the last line", line)
		}
		if name, err := duplicateName(sc.Bytes()); err != nil || name != "" {
			if err != nil {
				return failInLoop(line, "line %d is not JSON: %v", line, err)
			}
			// Parsers differ on which of the two they take: the line would
			// say one thing to Fundus and another to someone else.
			return failInLoop(line, "line %d names %q twice in one object", line, name)
		}
		var fl fileLine
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields() // a field no export writes is not covered by the hash
		if err := dec.Decode(&fl); err != nil {
			return failInLoop(line, "line %d is not a JSON entry as an export writes it: %v", line, err)
		}
		if fl.Trailer != nil {
			trailer = fl.Trailer
			continue
		}
		e, err := fl.entry()
		if err != nil {
			return failInLoop(line, "line %d: %v", line, err)
		}
		// A range goes by the entries' dates, and a later entry may carry an
		// earlier date, so a range may skip entries (and starts after entry
		// 1): take the chain as it enters again, and let the trailer decide
		// whether the file may have gaps (a whole export may not).
		if e.Seq > v.seq+1 {
			if gap == "" {
				gapLine, gap = line, fmt.Sprintf("entry %d is missing: entry %d follows entry %d", v.seq+1, e.Seq, v.seq)
			}
			v.seq, v.hash, v.balances = e.Seq-1, e.PrevHash, false
		}
		if !v.check(e) {
			return failInLoop(line, "line %d: %s", line, v.result.Problem)
		}
		if firstSeq == 0 {
			firstSeq = e.Seq
		}
		if head != nil && e.Seq == head.Seq {
			if e.Hash != head.Hash {
				return failInLoop(line, "line %d: entry %d's hash %.12s… is not the published chain head's %.12s…: it, or an entry before it, was rewritten", line, e.Seq, e.Hash, head.Hash)
			}
			headSeen = true
		}
		lastSeq, lastHash = e.Seq, e.Hash
	}
	if err := sc.Err(); err != nil {
		return nil, errs.E(errs.Op("ledger.VerifyFile"), err)
	}
	n := v.result.EntriesChecked
	switch t := trailer; {
	case t == nil:
		return fail(line+1, "the file ends without its trailer line: it may have been cut short at the end")
	case t.From == "" && t.To == "" && gap != "" && firstSeq == 1:
		return fail(gapLine, "line %d: %s (the trailer describes a whole export)", gapLine, gap)
	case t.Entries != n:
		return fail(line, "the trailer says the file holds %d entries, but it holds %d", t.Entries, n)
	case t.FirstSeq != firstSeq || t.LastSeq != lastSeq:
		return fail(line, "the trailer says the file holds entries %d to %d, but it holds %d to %d", t.FirstSeq, t.LastSeq, firstSeq, lastSeq)
	case t.HeadHash != lastHash:
		return fail(line, "the trailer's head_hash %s is not the hash of the last entry, %s", t.HeadHash, lastHash)
	case t.From == "" && firstSeq > 1:
		return fail(1, "the trailer describes an export from the start, but the file starts at entry %d, not 1: it was cut at the start", firstSeq)
	case head != nil && !headSeen:
		return fail(line, "the file does not hold entry %d, the published chain head (it holds entries %d to %d): it may have been cut at the end", head.Seq, firstSeq, lastSeq)
	}
	res.VerifyResult = *v.result
	res.OK = true
	return res, nil
}

func (fe *fileEntry) entry() (*Entry, error) {
	t, err := time.Parse(TimeLayout, fe.Time)
	if err != nil {
		return nil, fmt.Errorf("time %q is not in the layout %s", fe.Time, TimeLayout)
	}
	if fe.Date == "" { // an export from before entries had dates
		fe.Date = fundus.DayOf(t)
	}
	e := &Entry{ID: fe.ID, Seq: fe.Seq, Time: t, Date: fe.Date, Kind: fe.Kind, Memo: fe.Memo, Ref: fe.Ref, Actor: fe.Actor,
		Reverses: fe.Reverses, PrevHash: fe.PrevHash, Hash: fe.Hash}
	for i, p := range fe.Postings {
		cur := currencyOf(p.Currency)
		minor, err := fundus.ParseAmount(fmt.Sprintf("postings[%d].amount", i), p.Amount, cur, fundus.NonZero, math.MaxInt64/2)
		if err != nil {
			return nil, err
		}
		e.Postings = append(e.Postings, Posting{Account: p.Account, Amount: fundus.Money{Minor: minor, Currency: cur}, Currency: p.Currency})
	}
	return e, nil
}

// duplicateName returns the first name that occurs twice in one object of
// the JSON document b, or "".
func duplicateName(b []byte) (string, error) {
	type object struct {
		names map[string]bool
		atKey bool // the next string is a name
	}
	var stack []*object // nil for an array
	valueEnded := func() {
		if n := len(stack); n > 0 && stack[n-1] != nil {
			stack[n-1].atKey = true
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		top := (*object)(nil)
		if n := len(stack); n > 0 {
			top = stack[n-1]
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, &object{names: map[string]bool{}, atKey: true})
			case '[':
				stack = append(stack, nil)
			default: // '}' or ']'
				stack = stack[:len(stack)-1]
				valueEnded()
			}
		case string:
			if top != nil && top.atKey {
				if top.names[t] {
					return t, nil
				}
				top.names[t], top.atKey = true, false
				continue
			}
			valueEnded()
		default:
			valueEnded()
		}
	}
}

// rangeTrailer reads the rest of sc and reports whether its last line is
// a trailer that names a range (from or to), whose file may skip entries.
func rangeTrailer(sc *bufio.Scanner) bool {
	var last []byte
	for sc.Scan() {
		last = append(last[:0], sc.Bytes()...)
	}
	var fl struct{ Trailer *Trailer }
	if json.Unmarshal(last, &fl) != nil || fl.Trailer == nil {
		return false
	}
	return fl.Trailer.From != "" || fl.Trailer.To != ""
}
