package ledger

import (
	"encoding/json"
	"strconv"
	"time"

	"fundus/commit"
	"fundus/db"
	"fundus/errs"
)

// Book is the ledger's participant in the write path (commit.NewWriter):
// in every batch it locks the chain head and loads the accounts first, so
// that two batches never see the same balances; it keeps the batch's new
// entries and balances in memory and writes them at the end with a few
// multi-row statements, so a function that posts costs no round trip.
var Book commit.Participant = &book{}

type book struct{}

// bookPart is the ledger's state in one transaction.
type bookPart struct {
	tx       *commit.Tx
	head     head
	startSeq int64
	accounts map[string]*accountState
	entries  []*Entry
}

type head struct {
	seq      int64
	hash     string
	lastTime time.Time
}

type accountState struct {
	Account
	stored int64 // balance in the database
	minor  int64 // balance including this transaction's postings
}

// Begin locks the chain head, then reads the accounts (see lockHead), in
// one round trip on PostgreSQL.
func (*book) Begin(tx *commit.Tx) (commit.Part, error) {
	h, accts, err := lockHeadAndAccounts(tx)
	if err != nil {
		return nil, err
	}
	p := &bookPart{tx: tx, head: h, startSeq: h.seq, accounts: make(map[string]*accountState, len(accts))}
	for _, a := range accts {
		p.accounts[a.Code] = &accountState{Account: a, stored: a.Balance.Minor, minor: a.Balance.Minor}
	}
	return p, nil
}

// Save returns the restore of the head, the balances and the entries.
func (p *bookPart) Save() func() {
	h, n := p.head, len(p.entries)
	balances := make(map[string]int64, len(p.accounts))
	for code, a := range p.accounts {
		balances[code] = a.minor
	}
	return func() {
		p.head, p.entries = h, p.entries[:n]
		for code, a := range p.accounts {
			a.minor = balances[code]
		}
	}
}

// End writes the entries and postings, the changed balances and the new
// chain head.
func (p *bookPart) End() ([]db.Statement, func([]db.StatementResult) error) {
	if p.head.seq == p.startSeq {
		return nil, nil
	}
	balances := map[string]int64{}
	for _, a := range p.accounts {
		if a.minor != a.stored {
			balances[a.Code] = a.minor
		}
	}
	return writeBatch(p.tx.Engine(), p.entries, balances, p.head), nil
}

// Resolve reads back, for a repeat of a request whose answer was an entry,
// the JSON of the entry (Entry.StoredRef), as it was answered then.
func (p *bookPart) Resolve(r commit.StoredRef) ([]byte, bool, error) {
	if r.Kind != entryRefKind {
		return nil, false, nil
	}
	seq, err := strconv.ParseInt(r.ID, 10, 64)
	if err != nil {
		return nil, true, err
	}
	e, err := findEntryBySeq(p.tx.Context(), p.tx.Reader(), seq)
	if err != nil {
		return nil, true, err
	}
	body, err := json.Marshal(e)
	return body, true, err
}

// in returns the ledger's state in tx, or an error when the writer was
// made without the ledger (commit.NewWriter(..., ledger.Book)).
func in(op errs.Op, tx *commit.Tx) (*bookPart, error) {
	p, ok := tx.Part(Book).(*bookPart)
	if !ok {
		return nil, errs.E(op, errs.Internal, "the write path was started without the ledger (ledger.Book)")
	}
	return p, nil
}
