// Package statement reads the files a bank delivers (camt.052, camt.053,
// camt.054, a ZIP of them, Sparkasse CSV-CAMT) into statements and lines.
// It parses only: no database, no HTTP; deciding what a line means for the
// fund is the caller's job.
//
// Decisions where the standards leave room:
//
//   - Format: found from the content. XML is read when its root is
//     Document in a camt.052/053/054 namespace of version 001.02 to
//     001.08 (the fields read here sit at the same paths in all of them);
//     pain files, MT940 and CSV-MT940 are refused as unsupported. Any
//     DOCTYPE is refused, so no entity is ever declared, let alone expanded.
//   - Encoding: XML is UTF-8 unless its declaration names ISO-8859-1,
//     ISO-8859-15 or Windows-1252; invalid UTF-8 is refused. CSV that is
//     not valid UTF-8 is read as Windows-1252, which Sparkassen write.
//   - Amounts: the decimal text is read exactly into hundredths (never a
//     float); signs, exponents, more than two decimals and amounts above
//     99,999,999,999.99 are refused.
//   - Direction is the entry's CdtDbtInd: the way the money moved on this
//     account, which is what the balances add up to. A reversal (RvslInd
//     true) keeps that direction and sets Line.Reversal; ISO 20022 says its
//     CdtDbtInd is already the opposite of the entry it undoes (the ING
//     sample balances only this way). Its counterparty is that of the
//     reversed entry: the debtor of a reversed credit, the creditor of a
//     reversed debit.
//   - Batch entries: an entry with several TxDtls becomes one line per
//     TxDtls with that transaction's amount in the entry's currency
//     (TxDtls/Amt, else AmtDtls/TxAmt, else AmtDtls/CntrValAmt) and the
//     entry's direction, status and dates; the amounts must add up to the
//     entry's, or the file is refused (statement_unbalanced). An entry with
//     one TxDtls keeps the entry's amount; one without TxDtls (a batch the
//     bank did not itemise) is one line without counterparty.
//   - Remittance: the Ustrd elements joined with "" (banks cut the text
//     every 140 characters, also inside words and references, so that the
//     same transfer reads alike in camt and CSV), then each structured
//     creditor reference (Strd/CdtrRefInf/Ref) after a space; trimmed.
//   - Booked is Sts BOOK (v02 text, v08 Sts/Cd); PDNG, INFO and other codes
//     are not booked and do not count in the balance check. In CSV-CAMT,
//     "Umsatz vorgemerkt" is pending, "Umsatz gebucht" (or no Info) booked,
//     any other Info is refused.
//   - Balances: the opening balance is OPBD, else PRCD, else the first
//     ITBD; the closing one CLBD, and in an intraday camt.052 without CLBD
//     the last other ITBD. Available balances (OPAV, CLAV) are never used:
//     they follow value dates, not bookings. Where both exist, opening plus
//     the booked lines must equal closing (statement_unbalanced).
//   - Account: Acct/Id/IBAN, else Acct/Id/Othr/Id, without spaces, in
//     upper case; the caller compares it with the fund's IBAN.
//   - From/To: the statement's FrToDt when given, else its lines' booking
//     dates, else its balances' dates. A booking date given as DtTm keeps
//     the date the bank wrote; a pending line without one takes its value
//     date.
//   - "NOTPROVIDED" end-to-end ids and "NONREF" bank references are "".
//     AcctSvcrRef is not unique in every bank's files (see the ING sample).
//   - CSV-CAMT: one statement per Auftragskonto, without id or balances;
//     the sign of Betrag gives the direction; a batch ("Sammlerreferenz")
//     stays one line, as the CSV does not itemise it.
//   - Limits (DefaultLimits): 20 MiB per file (also per file in a ZIP),
//     100,000 lines, 1,000 files in a ZIP and 100 MiB unpacked, counted
//     while reading; a ZIP inside a ZIP is refused.
package statement
