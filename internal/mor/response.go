package mor

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// maxDepth bounds element nesting in an answer; MOR's deepest answer has four levels.
const maxDepth = 32

// node is one XML element of an answer: its local name, its own character data (not its
// children's) and its child elements in document order.
type node struct {
	name     string
	text     strings.Builder
	children []*node
}

// value is the element's own text, trimmed of surrounding whitespace: for MOR's
// messages (success, error, details), which pretty-printing may indent.
func (n *node) value() string { return strings.TrimSpace(n.text.String()) }

// exact is a field's value exactly as MOR stores it: a rule name may begin or end with
// spaces, and trimming it would make it differ from the spec at every poll.
func (n *node) exact() string { return n.text.String() }

// child returns the first child element named name, or nil.
func (n *node) child(name string) *node {
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

// find returns the first element named name in document order (n included), or nil.
func (n *node) find(name string) *node {
	if n.name == name {
		return n
	}
	for _, c := range n.children {
		if f := c.find(name); f != nil {
			return f
		}
	}
	return nil
}

// findAll returns every element named name in document order (n included), without
// descending into matches.
func (n *node) findAll(name string, out []*node) []*node {
	if n.name == name {
		return append(out, n)
	}
	for _, c := range n.children {
		out = c.findAll(name, out)
	}
	return out
}

// fields returns n's child elements as Fields by name (first occurrence wins), each
// value exact; an empty element reads as "".
func (n *node) fields() Fields {
	f := make(Fields, len(n.children))
	for _, c := range n.children {
		if _, dup := f[c.name]; !dup {
			f[c.name] = c.exact()
		}
	}
	return f
}

// envelope is a successful MOR answer.
type envelope struct {
	Success string // text of <success>, "" when the answer has none (get methods)
	root    *node
}

// errNotXML marks a body that is not a MOR XML answer.
var errNotXML = errors.New("answer is not a MOR XML document")

// parseResponse reads a MOR answer. It returns the envelope of a success, or an *Error:
// Transient when body is not a MOR XML answer (HTML login page, proxy error page, junk,
// truncated XML), Authentication or Rejected when MOR answered with an error text. The
// error's Method is left empty for the caller to fill in. Every envelope shape of the
// contract is accepted: with or without <page>, <error> text directly or in a <message>
// child, sibling <message> details, any indentation, with or without an XML declaration.
func parseResponse(body []byte) (*envelope, error) {
	root, err := parseTree(body)
	if err != nil {
		return nil, &Error{Class: Transient, Err: err}
	}
	if e := root.find("error"); e != nil {
		return nil, answerError(root, e)
	}
	env := &envelope{root: root}
	if s := root.find("success"); s != nil {
		env.Success = s.value()
	}
	return env, nil
}

// answerError turns MOR's <error> element into an *Error. The text is the element's own
// text, or, when it has none, its first <message> child; further <message> children and
// <message> siblings of <error> become Details.
func answerError(root, e *node) *Error {
	text := e.value()
	var details []string
	for _, c := range e.children {
		if c.name == "message" {
			details = append(details, c.value())
		}
	}
	if text == "" && len(details) > 0 {
		text, details = details[0], details[1:]
	}
	if parent := parentOf(root, e); parent != nil {
		for _, c := range parent.children {
			if c.name == "message" {
				details = append(details, c.value())
			}
		}
	}
	if len(details) == 0 {
		details = nil
	}
	out := &Error{Class: classifyText(text), Text: text, Details: details}
	if text == "" {
		out.Err = errors.New("MOR answered an error without text")
	}
	return out
}

// parentOf returns the parent of target within the tree under n, or nil.
func parentOf(n, target *node) *node {
	for _, c := range n.children {
		if c == target {
			return n
		}
		if p := parentOf(c, target); p != nil {
			return p
		}
	}
	return nil
}

// parseTree decodes body into an element tree. The root must be <page> or <status> (or
// a lone <error>); anything else, including well-formed XHTML, is not a MOR answer.
// Content after the root element is ignored.
func parseTree(body []byte) (*node, error) {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")) // UTF-8 byte order mark
	d := xml.NewDecoder(bytes.NewReader(body))
	d.CharsetReader = charsetReader
	var root *node
	var stack []*node
	for {
		tok, err := d.Token()
		if err == io.EOF {
			if root == nil {
				return nil, fmt.Errorf("%w: no element", errNotXML)
			}
			return nil, fmt.Errorf("%w: truncated", errNotXML)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %s", errNotXML, xmlErrorText(err))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &node{name: t.Name.Local}
			switch {
			case len(stack) >= maxDepth:
				return nil, fmt.Errorf("%w: nested deeper than %d", errNotXML, maxDepth)
			case len(stack) > 0:
				parent := stack[len(stack)-1]
				parent.children = append(parent.children, n)
			case n.name == "page" || n.name == "status" || n.name == "error":
				root = n
			default:
				return nil, fmt.Errorf("%w: root element <%s>", errNotXML, truncate(n.name, 32))
			}
			stack = append(stack, n)
		case xml.EndElement: // the decoder guarantees it matches the open element
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				return root, nil
			}
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			} else if len(bytes.TrimSpace(t)) > 0 {
				return nil, fmt.Errorf("%w: text outside any element", errNotXML)
			}
		}
		// Comments, processing instructions and directives (a DOCTYPE) carry nothing.
	}
}

// xmlErrorText is a decoder error without the body excerpts some of them quote.
func xmlErrorText(err error) string {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("XML syntax error on line %d: %s", se.Line, truncate(se.Msg, 80))
	}
	return truncate(err.Error(), 120)
}

// truncate shortens s to at most n bytes without splitting a rune.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// charsetReader accepts the encodings a MOR answer may declare: UTF-8 (and its ASCII
// subset) as is, ISO-8859-1 converted to UTF-8.
func charsetReader(charset string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return input, nil
	case "iso-8859-1", "latin1", "latin-1", "iso8859-1":
		b, err := io.ReadAll(input)
		if err != nil {
			return nil, err
		}
		var out bytes.Buffer
		out.Grow(len(b))
		for _, c := range b {
			out.WriteRune(rune(c))
		}
		return &out, nil
	}
	return nil, fmt.Errorf("unsupported charset %q", truncate(charset, 32))
}
