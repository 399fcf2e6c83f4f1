package auth

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"fundus"
)

// TestPolicyCoversEveryAction reads the module's Go source (tests aside):
// every constant of type fundus.Action, wherever declared, must have a row in
// the policy, and every row must name such a constant. An action's name is
// declared once, so no two constants share a value, nothing converts a string
// to an Action, and no call to Authorize or Allowed passes a string literal
// (which Go would turn into an Action silently).
func TestPolicyCoversEveryAction(t *testing.T) {
	declared := map[fundus.Action]string{} // action -> where it is declared
	fset := token.NewFileSet()
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != ".." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		isAction := func(e ast.Expr) bool { // Action in package fundus, fundus.Action elsewhere
			switch e := e.(type) {
			case *ast.Ident:
				return f.Name.Name == "fundus" && e.Name == "Action"
			case *ast.SelectorExpr:
				x, ok := e.X.(*ast.Ident)
				return ok && x.Name == "fundus" && e.Sel.Name == "Action"
			}
			return false
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.GenDecl:
				if n.Tok != token.CONST {
					return true
				}
				for _, spec := range n.Specs {
					vs := spec.(*ast.ValueSpec)
					if !isAction(vs.Type) {
						continue
					}
					for i, name := range vs.Names {
						at := fset.Position(name.Pos()).String()
						lit, ok := vs.Values[i].(*ast.BasicLit)
						if !ok || lit.Kind != token.STRING {
							t.Errorf("%s: action %s is not a string literal", at, name.Name)
							continue
						}
						v, _ := strconv.Unquote(lit.Value)
						if first, ok := declared[fundus.Action(v)]; ok {
							t.Errorf("%s: action %q is declared again (first at %s)", at, v, first)
						}
						declared[fundus.Action(v)] = at
					}
				}
			case *ast.CallExpr:
				at := fset.Position(n.Pos()).String()
				if isAction(n.Fun) {
					t.Errorf("%s: converts to an Action; use a constant of actor.go", at)
				}
				var fun string
				switch f := n.Fun.(type) {
				case *ast.Ident:
					fun = f.Name
				case *ast.SelectorExpr:
					fun = f.Sel.Name
				}
				if (fun == "Authorize" || fun == "Allowed") && len(n.Args) > 0 {
					if lit, ok := n.Args[len(n.Args)-1].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						t.Errorf("%s: %s(%s): name the action by its constant", at, fun, lit.Value)
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(declared) == 0 {
		t.Fatal("found no actions: is the module root at ..?")
	}
	for a, at := range declared {
		if _, ok := policy[a]; !ok {
			t.Errorf("action %q (%s) has no row in the policy", a, at)
		}
	}
	for a := range policy {
		if _, ok := declared[a]; !ok {
			t.Errorf("the policy has a row for %q, which no constant declares", a)
		}
	}
}
