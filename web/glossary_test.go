package web

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var updateGlossary = flag.Bool("update-glossary", false, "write docs/glossary.md from web/i18n/glossary.*.json")

// readGlossary reads glossary.LANG.json keeping its terms' order.
func readGlossary(t *testing.T, lang string) (terms []string, m map[string]string) {
	t.Helper()
	b, err := files.ReadFile("i18n/glossary." + lang + ".json")
	if err != nil {
		t.Fatalf("no glossary for %s: %v", lang, err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("glossary.%s.json: %v", lang, err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.Token() // {
	for dec.More() {
		k, _ := dec.Token()
		var v string
		dec.Decode(&v)
		terms = append(terms, k.(string))
	}
	return terms, m
}

// TestGlossaryDoc: every language has a term for every entry of the
// glossary, and docs/glossary.md shows them all (-update-glossary writes
// it).
func TestGlossaryDoc(t *testing.T) {
	terms, _ := readGlossary(t, "en")
	g := map[string]map[string]string{}
	for _, tag := range Languages {
		l := tag.String()
		_, g[l] = readGlossary(t, l)
		for _, term := range terms {
			if strings.TrimSpace(g[l][term]) == "" {
				t.Errorf("glossary.%s.json has no term for %q", l, term)
			}
		}
		if len(g[l]) != len(terms) {
			t.Errorf("glossary.%s.json has %d terms, glossary.en.json %d", l, len(g[l]), len(terms))
		}
	}
	var b strings.Builder
	b.WriteString("# Glossary: the fund's terms in every language\n\n" +
		"The terms the fund's texts use, decided once per language and used everywhere (pages, mails, problem messages).\n" +
		"The source is `web/i18n/glossary.LANG.json`; this page is made from those files\n" +
		"(`go test ./web -run TestGlossaryDoc -update-glossary` writes it again; the test fails while it is out of date).\n" +
		"German is the original and English the team's; no native speaker has yet read the other languages' terms\n" +
		"(see [languages.md](languages.md#review-by-native-speakers)). Arabic and Persian are written right to left.\n")
	for _, term := range terms {
		fmt.Fprintf(&b, "\n## %s\n\n", term)
		for _, tag := range Languages {
			fmt.Fprintf(&b, "- **%s**: %s\n", tag, g[tag.String()][term])
		}
	}
	const doc = "../docs/glossary.md"
	if *updateGlossary {
		if err := os.WriteFile(doc, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if have, err := os.ReadFile(doc); err != nil || string(have) != b.String() {
		t.Errorf("%s is out of date: go test ./web -run TestGlossaryDoc -update-glossary", doc)
	}
}
