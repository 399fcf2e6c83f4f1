package commit

import "fundus/db"

// A Participant keeps state of its own in every transaction of the write
// path: the ledger its chain head, balances and new entries, the audit
// trail its records. Register it with NewWriter; a function reaches its
// state with Tx.Part.
type Participant interface {
	// Begin starts its part of a batch's transaction: it reads (and locks)
	// what it needs through tx.Reader or tx.
	Begin(tx *Tx) (Part, error)
}

// Part is a participant's state in one transaction.
type Part interface {
	// Save returns a function that restores the state as it is now; the
	// write path calls it when the function that ran since then fails.
	Save() (restore func())
	// End returns the statements that write what the part kept, run in
	// order after every function of the batch, and check, which is given
	// their results and returns an error if the batch must not commit (it
	// may be ErrIsolate). check may be nil.
	End() (stmts []db.Statement, check func([]db.StatementResult) error)
}
