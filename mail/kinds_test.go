package mail_test

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"fundus"
	"fundus/commit"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/ledger/ledgertest"
	"fundus/mail"
	"fundus/web"
)

// sampleData is what each kind's caller gives it.
var sampleData = map[string]map[string]any{
	mail.PasswordReset:  {"Path": "/password-reset/tok", "Expires": time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)},
	mail.ConfirmAddress: {"Path": "/confirm/tok"},
	mail.AddressTaken:   {"Path": "/password-reset"},
	mail.DonationPledged: {"Amount": fundus.EURCents(123450), "Reference": "FUND-7K3M-9Q2X", "IBAN": "DE89370400440532013000",
		"BIC": "COBADEFFXXX", "Holder": "Stadt Osnabrück", "ReceiptRequested": true, "Anonymous": true, "StatementIsProof": false},
	mail.DonationReceived: {"Amount": fundus.EURCents(2500), "ReceivedAt": time.Date(2026, 3, 2, 0, 0, 0, 0, fundus.Berlin),
		"Reference": "FUND-7K3M-9Q2X", "ReceiptRequested": false, "StatementIsProof": true},
	mail.DonationReceipt:      {"Number": "ZB-2026-00001", "Amount": fundus.EURCents(250000), "Collective": true, "Year": 2026},
	mail.ApplicationSubmitted: {"Title": "Sprachcafé", "Amount": fundus.EURCents(150000), "Path": "/grants/x"},
	mail.ApplicationToReview:  {"Title": "Sprachcafé", "Organisation": "Verein", "Amount": fundus.EURCents(150000), "Path": "/grants/x"},
	mail.ApplicationApproved:  {"Title": "Sprachcafé", "Amount": fundus.EURCents(100000), "Conditions": "Report by June.", "Path": "/grants/x"},
	mail.ApplicationRejected:  {"Title": "Sprachcafé", "Path": "/grants/x"},
	mail.InstalmentPaid: {"Title": "Sprachcafé", "Amount": fundus.EURCents(50000), "PaidAt": time.Date(2026, 4, 1, 0, 0, 0, 0, fundus.Berlin),
		"Paid": fundus.EURCents(50000), "Approved": fundus.EURCents(100000), "Path": "/grants/x"},
}

// messageID is a message's id where its text should be ("mail.x.subject").
var messageID = regexp.MustCompile(`(^|[^-\pL])mail\.[a-z_]{2,}`)

// Every kind has its templates and renders in every language with the data
// its callers give, with no text left untranslated.
func TestEveryKindRendersInEveryLanguage(t *testing.T) {
	r, err := web.NewMailRenderer()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := slices.Sorted(slices.Values(r.Kinds())), slices.Sorted(maps.Keys(sampleData)); !slices.Equal(got, want) {
		t.Fatalf("templates %v, kinds %v", got, want)
	}
	d := dbtest.Open(t, db.SQLite)
	w := ledgertest.Writer(t, d, nil)
	o := mustOutbox(t)
	for kind, data := range sampleData {
		for _, lang := range mail.Langs() {
			if _, err := commit.Do(context.Background(), w, func(tx *commit.Tx) (int, error) {
				return 0, o.Queue(tx, mail.Message{To: "x@example.org", Name: "Ada", Lang: lang, Kind: kind, Data: data})
			}); err != nil {
				t.Errorf("%s/%s: %v", kind, lang, err)
			}
		}
	}
	for _, m := range outboxRows(t, d) {
		for part, s := range map[string]string{"subject": m.Subject, "text": m.Text, "html": m.HTML} {
			if messageID.MatchString(s) || strings.Contains(s, "<no value>") || strings.TrimSpace(s) == "" {
				t.Errorf("%s/%s %s:\n%s", m.Kind, m.Lang, part, s)
			}
		}
		if !strings.Contains(m.Text, "Ada") || !strings.Contains(m.HTML, `<html lang="`+m.Lang+`" dir="`+web.Dir(m.Lang)+`">`) {
			t.Errorf("%s/%s: no greeting or language", m.Kind, m.Lang)
		}
	}
}

// Every text of the mails is in every language.
func TestMailTextsInEveryLanguage(t *testing.T) {
	keys := map[string][]string{}
	for _, lang := range mail.Langs() {
		b, err := os.ReadFile("../web/i18n/mail." + lang + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		keys[lang] = slices.Sorted(maps.Keys(m))
	}
	for _, lang := range mail.Langs()[1:] {
		if !slices.Equal(keys[lang], keys["de"]) {
			t.Errorf("mail.%s.json and mail.de.json differ in keys", lang)
		}
	}
}
