package ledger

import (
	"bufio"
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
	Kind     string `json:"kind"`
	Memo     string `json:"memo"`
	Ref      *Ref   `json:"ref"`
	Actor    string `json:"actor"`
	Reverses string `json:"reverses"`
	Postings []struct {
		Account  string     `json:"account"`
		Amount   AmountText `json:"amount"`
		Currency string     `json:"currency"`
	} `json:"postings"`
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
}

// VerifyFile checks a JSONL export with no database: every line is an entry
// whose hash matches its canonical bytes, that links to the line before,
// follows it in sequence without a gap and balances. A file that starts at
// entry 1 must start from the genesis hash; one that starts later (a date
// range) is checked from its first line on. It names the first bad line.
func VerifyFile(r io.Reader) (*FileResult, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	res := &FileResult{}
	var v *verifier
	line := 0
	for sc.Scan() {
		line++
		fail := func(format string, args ...any) (*FileResult, error) {
			res.VerifyResult = *v.result
			res.OK, res.FirstBadLine, res.Problem = false, line, fmt.Sprintf(format, args...)
			return res, nil
		}
		if v == nil {
			v = newVerifier()
		}
		var fe fileEntry
		if err := json.Unmarshal(sc.Bytes(), &fe); err != nil {
			return fail("line %d is not a JSON entry: %v", line, err)
		}
		e, err := fe.entry()
		if err != nil {
			return fail("line %d: %v", line, err)
		}
		if line == 1 && e.Seq > 1 { // a range: take the chain as it enters the file
			v.seq, v.hash, v.balances = e.Seq-1, e.PrevHash, false
		}
		if !v.check(e) {
			res.VerifyResult = *v.result
			res.FirstBadLine = line
			res.Problem = fmt.Sprintf("line %d: %s", line, v.result.Problem)
			return res, nil
		}
	}
	if err := sc.Err(); err != nil {
		return nil, errs.E(errs.Op("ledger.VerifyFile"), err)
	}
	if v == nil {
		v = newVerifier()
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
	e := &Entry{ID: fe.ID, Seq: fe.Seq, Time: t, Kind: fe.Kind, Memo: fe.Memo, Ref: fe.Ref, Actor: fe.Actor,
		Reverses: fe.Reverses, PrevHash: fe.PrevHash, Hash: fe.Hash}
	for i, p := range fe.Postings {
		cur := currencyOf(p.Currency)
		minor, err := ParseAmount(fmt.Sprintf("postings[%d].amount", i), p.Amount, cur, NonZero, math.MaxInt64/2)
		if err != nil {
			return nil, err
		}
		e.Postings = append(e.Postings, Posting{Account: p.Account, Amount: Money{Minor: minor, Currency: cur}, Currency: p.Currency})
	}
	return e, nil
}
