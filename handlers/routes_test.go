package handlers

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"
)

// TestRoutesAreInOnePlace: every route is registered in routes.go, the
// API's in apiRoutes and the pages' in pageRoutes, so that a reader finds
// a request's handler in one file.
func TestRoutesAreInOnePlace(t *testing.T) {
	register := map[string]bool{"GET": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true,
		"HEAD": true, "OPTIONS": true, "Any": true, "Match": true, "Handle": true, "Static": true, "StaticFS": true, "StaticFile": true}
	names, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	found := 0
	for _, n := range names {
		name := n.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
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
				found++
				if name != "routes.go" || (fn.Name.Name != "apiRoutes" && fn.Name.Name != "pageRoutes") {
					t.Errorf("%s: a route is registered in %s, not in apiRoutes or pageRoutes (routes.go)", fset.Position(call.Pos()), fn.Name.Name)
				}
				return true
			})
		}
	}
	if found < 60 {
		t.Fatalf("found %d route registrations: the test no longer sees them", found)
	}
}
