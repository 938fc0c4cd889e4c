package crash

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryGoroutineUsesGo: no non-test file of the module has a go
// statement but Go's own, nor an AfterFunc (context's, time's: the function
// runs in a goroutine of its own) whose function is not Guarded, so that a
// new goroutine cannot bring back Go's exit 2 on a panic (see Go).
func TestEveryGoroutineUsesGo(t *testing.T) {
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files++
		self := filepath.ToSlash(path) == "../../internal/crash/goroutine.go"
		ast.Inspect(f, func(n ast.Node) bool {
			if g, ok := n.(*ast.GoStmt); ok && !self {
				t.Errorf("%s: a go statement: start the goroutine with crash.Go, so that its panic exits 1", fset.Position(g.Pos()))
			}
			if c, ok := n.(*ast.CallExpr); ok && isSelector(c.Fun, "", "AfterFunc") && !guarded(c.Args[len(c.Args)-1]) {
				t.Errorf("%s: an AfterFunc whose function is not crash.Guarded, so that its panic exits 1", fset.Position(c.Pos()))
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 50 {
		t.Fatalf("only %d Go files found under %s: is this the module's tree?", files, root)
	}
	t.Logf("%d non-test Go files checked", files)
}

// isSelector reports whether e is pkg.name (any pkg when pkg is "").
func isSelector(e ast.Expr, pkg, name string) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != name {
		return false
	}
	id, ok := sel.X.(*ast.Ident)
	return ok && (pkg == "" || id.Name == pkg)
}

// guarded reports whether e is a call of crash.Guarded.
func guarded(e ast.Expr) bool {
	c, ok := e.(*ast.CallExpr)
	return ok && isSelector(c.Fun, "crash", "Guarded")
}
