package ledger

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"

	"fundus/db"
	"fundus/errs"
)

// ChainHead is the newest entry of the ledger: its sequence number and
// hash. Published where outsiders keep it (the fund page, the annual
// report), it lets anyone check later that the ledger still holds that
// entry unchanged, and so every entry before it (VerifyHead). An empty
// ledger's head is entry 0 with GenesisHash.
type ChainHead struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// String is the form fundus verify --head takes: "SEQ:HASH".
func (h ChainHead) String() string { return strconv.FormatInt(h.Seq, 10) + ":" + h.Hash }

var hashPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ParseChainHead reads "SEQ:HASH" (the hash in 64 lowercase hex digits).
// Returns Invalid.
func ParseChainHead(s string) (ChainHead, error) {
	const op errs.Op = "ledger.ParseChainHead"
	seq, hash, ok := strings.Cut(strings.TrimSpace(s), ":")
	n, err := strconv.ParseInt(seq, 10, 64)
	if !ok || err != nil || n < 1 {
		return ChainHead{}, errs.Field(op, "head", "must be SEQ:HASH, the sequence number of an entry (1 or more), a colon and its hash")
	}
	hash = strings.ToLower(hash)
	if !hashPattern.MatchString(hash) {
		return ChainHead{}, errs.Field(op, "head", "the hash must be 64 hexadecimal digits")
	}
	return ChainHead{Seq: n, Hash: hash}, nil
}

// ReadChainHead reads the chain head as q sees it: in a read transaction,
// the head of the snapshot the other reads see (package figures).
func ReadChainHead(ctx context.Context, q sqlx.QueryerContext) (ChainHead, error) {
	return readHead(ctx, q)
}

// VerifyHead checks that the ledger of d verifies (VerifyDB) and still
// holds the entry head names with that hash: a head kept from the fund page
// or an annual report proves that no entry up to it was changed or removed
// since.
func VerifyHead(ctx context.Context, d *db.DB, head ChainHead) (*VerifyResult, error) {
	r, err := VerifyDB(ctx, d)
	if err != nil || !r.OK {
		return r, err
	}
	es, err := findEntries(ctx, db.SQL(d), EntryFilter{AfterSeq: head.Seq - 1, Limit: 1})
	if err != nil {
		return nil, errs.E(errs.Op("ledger.VerifyHead"), err)
	}
	switch {
	case len(es) == 0 || es[0].Seq != head.Seq:
		r.OK, r.FirstBadEntry = false, &BadEntry{Seq: head.Seq}
		r.Problem = fmt.Sprintf("the ledger has no entry %d: it ends at entry %d, before the head kept", head.Seq, r.EntriesChecked)
	case es[0].Hash != head.Hash:
		r.OK, r.FirstBadEntry = false, &BadEntry{ID: es[0].ID, Seq: head.Seq}
		r.Problem = fmt.Sprintf("entry %d has the hash %s, not %s as kept: the ledger up to it was rewritten", head.Seq, es[0].Hash, head.Hash)
	}
	return r, nil
}
