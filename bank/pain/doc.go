// Package pain writes the SEPA payment files the fund uploads to its
// online banking: ISO 20022 pain.001.001.09 (CustomerCreditTransferInitiationV09),
// the credit transfer format German banks take since November 2025
// (DFÜ-Abkommen Anlage 3 v3.7, "GBIC_4"; research in ../shared/research/bank.md §2).
// It knows no database and no HTTP: Write turns a Message into a file,
// Latin turns names and texts into the characters SEPA allows.
//
// # The file
//
//   - One payment information block per file; its id is the message id.
//   - BtchBookg false: the statement shows every payment as its own debit,
//     carrying its EndToEndId, so the import finds the instalment it paid.
//   - SvcLvl SEPA, ChrgBr SLEV, PmtMtd TRF, currency EUR; NbOfTxs and
//     CtrlSum in the group header and in the block. Amounts are written from
//     cents as decimal text with two decimals (fundus.FormatMinor), never
//     through a float.
//   - A debtor without a BIC is written as FinInstnId/Othr/Id NOTPROVIDED,
//     the EPC guidelines' form; a payee without a BIC gets no CdtrAgt
//     (IBAN-only, Regulation (EU) 260/2012).
//   - No postal addresses: inside the EEA they are optional, and from
//     November 2026 banks refuse unstructured ones; when the application
//     form asks for town and country, add them structured (TwnNm, Ctry).
//   - CreDtTm is RFC 3339 to the second with its offset; the execution date
//     may not lie before the day (Europe/Berlin) the file is created.
//   - Ids (message, end-to-end) are checked, never changed: 1 to 35
//     characters of the SEPA set, no '/' first or last and no "//" (the
//     EPC rule for references). An end-to-end id twice in one file is
//     refused, since the bank's debit line must find one payment.
//   - Tests validate generated files with xmllint against the ISO XSD in
//     testdata (python-sepaxml's MIT copy, see testdata/README.md). The DK's
//     own GBIC schemas are not public; they restrict the ISO one (names 70,
//     the SEPA character set), and this package keeps to those restrictions.
//
// # The character set
//
// SEPA text is a-z A-Z 0-9 / - ? : ( ) . , ' + and space (EPC SCT
// implementation guidelines, "character set"). The DK may accept umlauts,
// & and a few more; that is unverified and other banks refuse them, so
// nothing outside the basic set is written. Names are the account holder's
// as the bank knows it, asked for in Latin letters (../shared/API.md); Latin
// is the fallback for what people type anyway, and banks compare the name
// with the IBAN (Verification of Payee), so readable beats exact.
//
// Latin puts the text in NFC, then looks each letter up in a table, or
// else splits it into base letter and marks (NFKD) and drops the marks:
//
//   - German: ä ö ü ß as ae oe ue ss, Ä as Ae, or AE inside an upper-case word.
//     This spelling holds for every language: Turkish "Öztürk" is "Oeztuerk"
//     (ICAO passports write "Ozturk"); a German bank most likely holds the
//     name as German documents print it.
//   - Turkish ç ğ ş decompose; ı is i, İ is I. Polish, Czech, Romanian,
//     Vietnamese and the like decompose, with a table for what does not:
//     ł ŀ đ ð þ ħ ı ŧ ŋ æ ø œ ə ɛ ɔ and a few African letters. å is a.
//   - Cyrillic: ICAO Doc 9303 part 3 (Russian passports since 2013: й i,
//     ъ ie, ю iu, я ia), plus Belarusian ў and the Serbian and Macedonian
//     letters. A text holding і ї є or ґ is Ukrainian and follows the
//     national system of 2010 (KMU resolution 55, Ukrainian passports):
//     г h, и y, є ї й ю я as ye yi y yu ya at the start of a word, зг zgh,
//     the apostrophe dropped. Bulgarian comes out as Russian (щ shch, not sht).
//   - Greek: ELOT 743 (ISO 843) as Greek passports write it: ου ou,
//     αυ ευ ηυ av ev iv (af ef if before a voiceless consonant), γγ γξ γχ ng nx nch.
//   - Arabic script (Arabic, Farsi, Kurdish Sorani, Urdu): one table of
//     letters. These scripts do not write short vowels, so "محمد" is "Mhmd"
//     and "محمد رضایی" is "Mhmd Rdayi", not "Mohammad Rezaei"; where the text
//     carries vowel marks they are used ("مُحَمَّد" is "Muhammad", the shadda
//     doubles). و and ی are w and y at the start of a word, next to ا and
//     before ا, else u and i; ة is a. ث ذ ض ظ take their Arabic values
//     th dh d z, which Farsi speakers say s z z z. Sorani writes its vowels
//     (ە ێ ۆ), so Kurdish comes out close to its Latin spelling. Each word's
//     first letter is upper case. Arabic-Indic digits are digits.
//   - Punctuation: & is +, < [ { are (, > ] } are ), quotes are ', dashes
//     are -, @ is (at), € is EUR; spaces of every kind are one space;
//     control and format characters (ZWNJ, soft hyphen) vanish.
//   - Anything else (Chinese, Hebrew, Armenian, Georgian, Ethiopic, Indic
//     scripts, symbols) becomes one '.' per run, so a gap shows and never
//     turns into '?'. Write refuses a name left without a Latin letter or
//     digit: a name written only in Chinese must be asked for again.
//
// Write cuts names to 70 characters and the remittance to 140 after
// Latin, since the limit is on what the bank receives; Latin's output is
// ASCII, so every cut falls on a character, and a space left at the end is
// dropped. & < > never reach the XML; the apostrophe, which SEPA allows,
// is escaped by encoding/xml as &#39;, which every XML parser reads as '.
package pain
