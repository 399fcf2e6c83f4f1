package server_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestRoutesAreInOnePlace: every route of the HTTP layer is registered in
// a routes.go, the API's in http/api's Routes and the pages' in http/ui's
// Routes, so that a reader finds a request's handler in one file.
func TestRoutesAreInOnePlace(t *testing.T) {
	register := map[string]bool{"GET": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true,
		"HEAD": true, "OPTIONS": true, "Any": true, "Match": true, "Handle": true, "Static": true, "StaticFS": true, "StaticFile": true}
	var names []string
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			names = append(names, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	found := map[string]int{}
	for _, name := range names {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok || !register[sel.Sel.Name] || len(call.Args) < 2 {
					return true
				}
				if _, ok := call.Args[0].(*ast.BasicLit); !ok {
					return true // not a path: some other method of that name
				}
				found[name]++
				if (name != filepath.Join("..", "api", "routes.go") && name != filepath.Join("..", "ui", "routes.go")) || fn.Name.Name != "Routes" {
					t.Errorf("%s: a route is registered in %s, not in Routes of api/routes.go or ui/routes.go", fset.Position(call.Pos()), fn.Name.Name)
				}
				return true
			})
		}
	}
	if api, ui := found[filepath.Join("..", "api", "routes.go")], found[filepath.Join("..", "ui", "routes.go")]; api < 40 || ui < 20 {
		t.Fatalf("found %d API and %d page route registrations: the test no longer sees them", api, ui)
	}
}
