// Package ledger is Fundus's double-entry core: accounts, entries and
// postings, stored balances, the hash chain, verification and the exports.
// Every cent the fund moves is an entry here; donations and grants post
// with Post inside a function of the write path (package commit), in
// which the ledger takes part as Book.
//
// # Accounting
//
// An entry has two or more postings. A posting is a signed amount in minor
// units (cents) on one account: debit positive, credit negative. The
// postings of an entry sum to zero per currency. Account balances are kept in
// the accounts table in the same transaction as the postings, so reading
// them costs O(accounts); Verify recomputes them from the postings. Entries
// and postings are never updated or deleted (database triggers refuse it on
// both engines); a mistake is corrected by a reversing entry that points at
// the original.
//
// Available money is assets:bank + assets:clearing - what is owed on
// liabilities:grants-payable. With debit-positive balances that is the sum of
// the three balances, since the liability's balance is negative. No entry
// that lowers available money may take it below zero (Post refuses it
// with InsufficientFunds); entries that raise it are always allowed.
//
// assets:bank follows the bank's statements: only an entry that records a
// bank line (NewEntry.FromBank, posted by package bank and the domain
// functions it calls) may post to it. A manual entry naming it is refused
// (Invalid, "postings[i].account"), and an entry that moved it is not
// reversed (InvalidState): the bank line would stay booked while its money
// left the ledger.
//
// # The hash chain
//
// Every entry stores prev_hash, the hash of the entry before it (for the
// first entry, 64 zeros), and its own hash (PostgreSQL stores both as their
// 32 bytes, SQLite as their hex text; both are read as the hex: store.go,
// hashColumn), where
//
//	hash = lowercase hex of SHA-256( prev_hash || canonical bytes )
//
// and prev_hash is its 64 lowercase hex characters (ASCII) and the
// canonical bytes are these UTF-8 lines, each ended by one line feed (0x0A),
// with no other whitespace:
//
//	fundus-entry-v1
//	seq=<sequence number, decimal, no leading zeros>
//	id=<entry id>
//	time=<UTC time, YYYY-MM-DDTHH:MM:SS.ffffffZ, exactly six fraction digits>
//	date=<the entry's date, YYYY-MM-DD>   (only when it is not the Berlin day of time)
//	kind=<kind>
//	memo=<memo>
//	ref=<ref type>:<ref id>, or empty when the entry has no reference
//	actor=<id of the user who made it>
//	reverses=<id of the entry it reverses, or empty>
//	posting=<account> <currency> <amount>     (one line per posting, in line order)
//
// An amount is written with the currency's fraction digits and a leading
// minus for credits: "posting=assets:bank EUR 25.00",
// "posting=income:donations EUR -25.00". Memos and all other fields never
// contain line feeds, tabs or other control characters (they are refused on
// input), so the lines are unambiguous.
//
// The date line is there only for an entry dated another day than the one
// it was written on (a donation confirmed the day after it arrived): the
// entries written before entries had dates carry the Berlin day of their
// time, and their bytes, and so their hashes, stay as they were. A date
// changed either way changes the bytes: to another day, the line appears
// or says another day; to the day of time, the line vanishes.
//
// # Dates
//
// Every entry has, beside its time (when it was written, UTC), a date: the
// business day it belongs to in Europe/Berlin. It is a donation's day of
// receipt, else the Berlin day the entry is written (NewEntry.Date). Every
// range of the ledger and the reports goes by it: the entries' and the
// exports' from and to, the trial balance's at, the annual report's year.
// Entries stay in sequence order, and a later entry may carry an earlier
// date than the one before it; a balance at a date sums the postings of
// the entries dated that day or before, whenever they were written.
//
// For example, an auditor can recompute one hash with standard tools:
//
//	printf '%s' "$PREV_HASH" > entry.bin
//	printf 'fundus-entry-v1\nseq=1\nid=...\n...posting=income:donations EUR -25.00\n' >> entry.bin
//	sha256sum entry.bin
//
// # In the write path
//
// Book, the ledger's participant in every transaction of the write path,
// locks the chain head first (SQLite: the single writer connection with
// BEGIN IMMEDIATE; PostgreSQL: SELECT ... FOR UPDATE on the head row) and
// then reads the accounts, so two transactions never see the same
// balances, also with several Fundus instances on one PostgreSQL. Post
// checks an entry against the balances in memory and keeps it there; the
// batch's entries, postings, changed balances and new head are written at
// its end, a multi-row insert per table (store.go, writeBatch).
package ledger
