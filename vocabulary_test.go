package fundus_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestRootHoldsOnlyVocabulary: the root package is the vocabulary every
// package shares and nothing else. A new file here must be added to the
// list below on purpose, and the package imports no I/O, no database, no
// HTTP and no package of Fundus but errs.
func TestRootHoldsOnlyVocabulary(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	allowed := map[string]bool{"fundus/errs": true, "github.com/shopspring/decimal": true}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		got = append(got, f)
		parsed, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range parsed.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			stdlib := !strings.Contains(strings.SplitN(path, "/", 2)[0], ".") && !strings.HasPrefix(path, "fundus")
			banned := strings.HasPrefix(path, "net") || strings.HasPrefix(path, "database") || path == "os" || strings.HasPrefix(path, "os/")
			if !allowed[path] && (!stdlib || banned) {
				t.Errorf("%s imports %s; the vocabulary may import only the standard library (no I/O), errs and decimal", f, path)
			}
		}
	}
	want := []string{"actor.go", "date.go", "iban.go", "money.go"}
	if !slices.Equal(got, want) {
		t.Errorf("the root package holds %v, want %v: only vocabulary (money, actor and actions, IBAN/BIC, dates) belongs here", got, want)
	}
}
