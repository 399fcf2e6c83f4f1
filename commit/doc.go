// Package commit is Fundus's one write path: every change to the database
// runs as a function given to Do, and Do answers only once the change is
// durable.
//
// # Group commit
//
// A Writer collects the functions waiting and runs them, in the order they
// came, in one database transaction (a batch): concurrent callers share
// one disk flush, and nothing is acknowledged before it is committed. A
// function's failure undoes its own work alone and reaches its own caller.
//
// # A function's transaction
//
// A function gets a *Tx. What it writes itself goes through the Tx (an
// sqlx.ExtContext): every statement run through it counts as a write.
// What it only reads goes through Tx.Reader, whose statements count as
// reads. Whether a failing function's work must be undone in the database
// follows from that and nothing else (never from the text of its SQL):
//
//   - A function that fails having only read leaves nothing in the
//     database to undo (unless a read failed on PostgreSQL, which aborts
//     the transaction: that counts as writing).
//   - A function that fails having written makes the batch run again, this
//     time with each function in a savepoint, so that only its own work is
//     rolled back. Savepoints would cost two statements per function (on
//     PostgreSQL, a round trip), so they are taken only then.
//
// # Participants
//
// What a transaction keeps in memory until its end has one shape, Part:
// its state is saved before each function and restored when the function
// fails, and at the end of the batch it gives the statements that write it,
// all sent together (on PostgreSQL in one round trip, with COMMIT when no
// part checks their results). The write path's own
// parts are the idempotency records (idempotency.go) and rows handed over
// for later (Later); other packages register theirs with NewWriter (the
// ledger's entries and balances, the audit trail). Each part's SQL is its
// owner's: the write path generates none.
//
// Statements that many functions of a batch need first (a confirm's "mark
// received if pledged") are Shared: run once for all of them, and sent with
// the batch's first read when the batch begins with such a function.
//
// # Idempotency
//
// With a Key on the context (WithKey), a function's answer is stored under
// it in the same transaction as its effect, and the same request again is
// answered as the first time (Outcome). A result kept for good elsewhere
// (a ledger entry: Referable) is stored as a reference to it, and read
// back on a repeat by the part that keeps it (Resolver). Keys are not
// looked up before each function: they are inserted at the end, and a key
// stored already fails the insert and the batch, which then runs again
// looking the batch's keys up, so that its function is replayed instead of
// run twice.
//
// # Locks
//
// Every batch begins with its participants' Begin, in the order they were
// registered: the ledger locks the chain head there (SQLite: the single
// writer connection with BEGIN IMMEDIATE; PostgreSQL: SELECT ... FOR
// UPDATE, sent with BEGIN and the read of the accounts in one round trip:
// Tx.ReadTogether), so two batches never see the same balances, also with
// several Fundus instances on one PostgreSQL.
package commit
