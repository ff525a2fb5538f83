package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
)

// mainFlags reads the manager's flags from main.go: name → usage text, for every
// flag.XxxVar(&v, "name", default, "usage") call with literal name and usage. The chart
// sets only flags found here, and values.yaml documents them in the manager's words.
func mainFlags(root string) (map[string]string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(root, "main.go"), nil, 0)
	if err != nil {
		return nil, err
	}
	flags := map[string]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) != 4 {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if pkg, ok := sel.X.(*ast.Ident); !ok || pkg.Name != "flag" || !strings.HasSuffix(sel.Sel.Name, "Var") {
			return true
		}
		name, err1 := literal(call.Args[1])
		usage, err2 := literal(call.Args[3])
		if err1 == nil && err2 == nil {
			flags[name] = usage
		}
		return true
	})
	if len(flags) == 0 {
		return nil, fmt.Errorf("main.go: no flag.XxxVar calls found")
	}
	return flags, nil
}

func literal(e ast.Expr) (string, error) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", fmt.Errorf("not a string literal")
	}
	return strconv.Unquote(lit.Value)
}
