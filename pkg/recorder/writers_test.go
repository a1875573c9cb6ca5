package recorder

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// writePrefixes start the names of the catalog's write methods: a new
// method of *catalog.DB named so is covered by TestOneWriter at once.
var writePrefixes = []string{"Upsert", "Set", "Create", "Start", "Finish", "Replace", "Delete", "Mark", "Put"}

// writeMethods lists the write methods of *catalog.DB, read from the
// package's source in dir.
func writeMethods(t *testing.T, dir string) map[string]bool {
	t.Helper()
	fset := token.NewFileSet()
	out := map[string]bool{}
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || len(fn.Recv.List) != 1 || !fn.Name.IsExported() {
				continue
			}
			star, ok := fn.Recv.List[0].Type.(*ast.StarExpr)
			if !ok {
				continue
			}
			if id, ok := star.X.(*ast.Ident); !ok || id.Name != "DB" {
				continue
			}
			for _, pre := range writePrefixes {
				if strings.HasPrefix(fn.Name.Name, pre) {
					out[fn.Name.Name] = true
				}
			}
		}
	}
	return out
}

// writeCalls returns "name at file:line" for every call of a method named
// in methods in src. Without type information a call is matched by name
// alone: no other method in pkg/ or internal/ may share those names.
func writeCalls(fset *token.FileSet, name string, src any, methods map[string]bool) ([]string, error) {
	f, err := parser.ParseFile(fset, name, src, 0)
	if err != nil {
		return nil, err
	}
	var found []string
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		if sel, ok := call.Fun.(*ast.SelectorExpr); ok && methods[sel.Sel.Name] {
			found = append(found, sel.Sel.Name+" at "+fset.Position(sel.Pos()).String())
		}
		return true
	})
	return found, nil
}

// TestOneWriter enforces that pkg/recorder is the only writer of what veza
// produced into the catalog: no package but pkg/catalog and pkg/recorder
// calls a write method of catalog.DB (tests may, to seed a catalog).
func TestOneWriter(t *testing.T) {
	methods := writeMethods(t, filepath.Join("..", "catalog"))
	for _, m := range []string{"UpsertTrack", "UpsertRendition", "SetRenditionStatus", "UpsertSegment", "ReplaceSegments",
		"DeleteSegmentsFrom", "MarkSegmentRemoved", "CreateJob", "StartJob", "FinishJob", "SetJobProgress", "ReplaceKeys", "PutAnalysis", "PutQuality",
		"SetPublishState", "PutPublishedObject", "DeletePublishedObject"} {
		if !methods[m] {
			t.Errorf("write method %s not found in pkg/catalog", m)
		}
	}
	root := filepath.Join("..", "..")
	allowed := map[string]bool{filepath.Join("pkg", "catalog"): true, filepath.Join("pkg", "recorder"): true}
	fset := token.NewFileSet()
	var bad []string
	for _, top := range []string{"pkg", "internal"} {
		err := filepath.WalkDir(filepath.Join(root, top), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "testdata" {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return nil
			}
			rel, err := filepath.Rel(root, filepath.Dir(p))
			if err != nil || allowed[rel] {
				return err
			}
			found, err := writeCalls(fset, p, nil, methods)
			bad = append(bad, found...)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Errorf("catalog write outside pkg/recorder: %s", b)
	}
}

// TestWriteCalls shows that the check finds a write and passes reads.
func TestWriteCalls(t *testing.T) {
	methods := writeMethods(t, filepath.Join("..", "catalog"))
	for _, tc := range []struct {
		src  string
		want int
	}{
		{"package x\nfunc f() { db.UpsertSegment(ctx, s); cfg.Catalog.FinishJob(ctx, id, st, \"\") }", 2},
		{"package x\nfunc f() { go func() { _ = run.db.PutAnalysis(ctx, a) }() }", 1},
		{"package x\nfunc f() { db.Segments(ctx, t, r); db.Track(ctx, id); rec.Segment(ctx, s) }", 0},
	} {
		found, err := writeCalls(token.NewFileSet(), "x.go", tc.src, methods)
		if err != nil {
			t.Fatal(err)
		}
		if len(found) != tc.want {
			t.Errorf("%q: found %v, want %d", tc.src, found, tc.want)
		}
	}
}
