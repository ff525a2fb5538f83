package morsim

import (
	"fmt"
	"strings"
)

// node is a minimal XML element: either text (leaf) or children. A leaf with selfClose
// is written <name/> (an unassigned id).
type node struct {
	name      string
	text      string
	kids      []*node
	selfClose bool
}

func el(name string, kids ...*node) *node { return &node{name: name, kids: kids} }
func leaf(name, text string) *node        { return &node{name: name, text: text} }
func emptyEl(name string) *node           { return &node{name: name, selfClose: true} }

func leafInt[T ~int | ~int64](name string, v T) *node { return leaf(name, fmt.Sprint(v)) }

// leafID writes an id, or an empty element when it is unassigned (0).
func leafID(name string, v int64) *node {
	if v == 0 {
		return emptyEl(name)
	}
	return leafInt(name, v)
}

// document renders root after the XML declaration, indented by two spaces like MOR.
func document(root *node) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	root.write(&b, 0)
	return b.String()
}

func (n *node) write(b *strings.Builder, depth int) {
	indent := strings.Repeat("  ", depth)
	b.WriteString(indent)
	switch {
	case n.selfClose:
		b.WriteString("<" + n.name + "/>\n")
	case len(n.kids) == 0:
		b.WriteString("<" + n.name + ">")
		escape(b, n.text)
		b.WriteString("</" + n.name + ">\n")
	default:
		b.WriteString("<" + n.name + ">\n")
		for _, k := range n.kids {
			k.write(b, depth+1)
		}
		b.WriteString(indent + "</" + n.name + ">\n")
	}
}

// escape writes text as XML character data: &, < and > escaped (quotes are left as
// they are, like Rails' builder), \r kept as a reference, and characters XML cannot
// hold replaced by U+FFFD.
func escape(b *strings.Builder, text string) {
	for _, r := range text {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '\r':
			b.WriteString("&#xD;")
		case r == '\t' || r == '\n' || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF):
			b.WriteRune(r)
		default:
			b.WriteRune('\uFFFD')
		}
	}
}

// shape is how a method's errors are wrapped. The contract lists the shapes seen in the
// wild without saying which method uses which; the assignment per method (methods.go)
// is assumed.
type shape int

const (
	// shapeBare: <status><error>T</error></status> — the pre-checks.
	shapeBare shape = iota
	// shapePageStatus: <page><status><error>T</error></status></page>.
	shapePageStatus
	// shapePage: <page><error>T</error></page>.
	shapePage
	// shapeMessage: <page><status><error><message>T</message></error></status></page>.
	shapeMessage
)

// errorDoc renders an error text in a shape. details, when given, follow <error> as
// sibling <message> elements.
func errorDoc(sh shape, text string, details ...string) string {
	errEl := leaf("error", text)
	if sh == shapeMessage {
		errEl = el("error", leaf("message", text))
	}
	kids := []*node{errEl}
	for _, d := range details {
		kids = append(kids, leaf("message", d))
	}
	switch sh {
	case shapeBare:
		return document(el("status", kids...))
	case shapePage:
		return document(el("page", kids...))
	default:
		return document(el("page", el("status", kids...)))
	}
}

// successDoc renders <page><status><success>T</success>extra…</status></page>.
func successDoc(text string, extra ...*node) string {
	return document(el("page", el("status", append([]*node{leaf("success", text)}, extra...)...)))
}

// statusDoc renders <page><status>kids…</status></page> (answers of get methods).
func statusDoc(kids ...*node) string {
	return document(el("page", el("status", kids...)))
}

// Fault bodies: not XML, as a proxy or a misrouted request would answer.
const (
	html500 = `<!DOCTYPE html>
<html>
<head><title>500 Internal Server Error</title></head>
<body>
<h1>We're sorry, but something went wrong.</h1>
<p>If you are the application owner check the logs for more information.</p>
</body>
</html>
`
	htmlLogin = `<!DOCTYPE html>
<html>
<head><title>MOR: Login</title></head>
<body>
<form action="/billing/callc/try_to_login" method="post">
<label for="login_username">Username</label> <input type="text" id="login_username" name="login_username">
<label for="login_psw">Password</label> <input type="password" id="login_psw" name="login_psw">
<input type="submit" value="Login">
</form>
</body>
</html>
`
)
