package mor

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// Envelope examples from the contract (docs/mor-api.md), in every shape.
var contractEnvelopes = []string{
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<page>\n  <status>\n    <success>Rule updated</success>\n  </status>\n</page>\n",
	"<page><status><error>Rule must be unique</error></status></page>",
	"<status><error>Incorrect hash</error></status>",
	"<page><error>Access Denied</error></page>",
	"<page><status><error><message>DID was not found</message></error></status></page>",
	"<page><status><error>Rule must have name</error><message>name is blank</message><message>second</message></status></page>",
	"<page><status><did><id>3</id><provider_tariff_id>3</provider_tariff_id><allow_call_reject_provider>1</allow_call_reject_provider><owner_tariff_id>4</owner_tariff_id><allow_call_reject>1</allow_call_reject></did></status></page>",
	"<page><status><success>Rule created</success><rule_id>42</rule_id></status></page>",
	"<page><version>X17</version></page>",
	"<page><status><location><id>7</id><name>Global</name><location_rule><id>1</id><name>a</name></location_rule></location></status></page>",
}

func TestParseResponseSuccess(t *testing.T) {
	tests := []struct {
		name, body, success string
	}{
		{"page status success with declaration", contractEnvelopes[0], "Rule updated"},
		{"no declaration, one line", "<page><status><success>Rule deleted</success></status></page>", "Rule deleted"},
		{"bare status", "<status><success>Conflines successfully updated</success></status>", "Conflines successfully updated"},
		{"internal double spaces kept", "<page><status><success>\n   a  b \n</success></status></page>", "a  b"},
		{"CRLF and tabs", "<?xml version=\"1.0\"?>\r\n<page>\r\n\t<status>\r\n\t\t<success>ok</success>\r\n\t</status>\r\n</page>\r\n", "ok"},
		{"byte order mark", "\xef\xbb\xbf<page><status><success>ok</success></status></page>", "ok"},
		{"latin-1 declaration", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><page><status><success>caf\xe9</success></status></page>", "café"},
		{"entities", "<page><status><success>a &amp; b &lt;c&gt;</success></status></page>", "a & b <c>"},
		{"CDATA", "<page><status><success><![CDATA[x < y]]></success></status></page>", "x < y"},
		{"comment ignored", "<!-- hi --><page><!-- x --><status><success>ok</success></status></page>", "ok"},
		{"no success element", "<page><version>X17</version></page>", ""},
		{"trailing junk after root ignored", "<page><status><success>ok</success></status></page>\n<br>", "ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, err := parseResponse([]byte(tt.body))
			if err != nil {
				t.Fatalf("parseResponse: %v", err)
			}
			if env.Success != tt.success {
				t.Errorf("Success = %q, want %q", env.Success, tt.success)
			}
		})
	}
}

func TestParseResponseErrors(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		class   Class
		text    string
		details []string
	}{
		{"page status error", "<page><status><error>Rule must be unique</error></status></page>", Rejected, "Rule must be unique", nil},
		{"bare status error (pre-check)", "<status><error>Incorrect hash</error></status>", Authentication, "Incorrect hash", nil},
		{"bare status with declaration", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<status>\n  <error>API Requests are disabled</error>\n</status>\n", Authentication, "API Requests are disabled", nil},
		{"page error", "<page><error>Access Denied</error></page>", Authentication, "Access Denied", nil},
		{"error with message child", "<page><status><error><message>DID was not found</message></error></status></page>", Rejected, "DID was not found", nil},
		{"error with message child, indented", "<page>\n <status>\n  <error>\n   <message>\n    Tariff was not found\n   </message>\n  </error>\n </status>\n</page>", Rejected, "Tariff was not found", nil},
		{"error with sibling messages", "<page><status><error>Rule must have name</error><message>name is blank</message><message>second</message></status></page>", Rejected, "Rule must have name", []string{"name is blank", "second"}},
		{"error with several message children", "<page><error><message>first</message><message>more</message></error><message>sib</message></page>", Rejected, "first", []string{"more", "sib"}},
		{"two inner spaces kept verbatim", "<page><status><error>default_user_recording_forced_enabled  must be 0 or 1</error></status></page>", Rejected, "default_user_recording_forced_enabled  must be 0 or 1", nil},
		{"GET disabled", "<status><error>GET Requests are disabled</error></status>", Authentication, "GET Requests are disabled", nil},
		{"no secret key", "<status><error>API must have Secret Key</error></status>", Authentication, "API must have Secret Key", nil},
		{"error wins over success", "<page><status><success>x</success><error>Rule was not deleted</error></status></page>", Rejected, "Rule was not deleted", nil},
		{"lone error root", "<error>Location error</error>", Rejected, "Location error", nil},
		{"empty error", "<page><status><error/></status></page>", Rejected, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, err := parseResponse([]byte(tt.body))
			if env != nil {
				t.Errorf("envelope = %+v, want nil", env)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if e.Class != tt.class || e.Text != tt.text || !reflect.DeepEqual(e.Details, tt.details) {
				t.Errorf("got class %v text %q details %q, want %v %q %q", e.Class, e.Text, e.Details, tt.class, tt.text, tt.details)
			}
			if e.Error() == "" {
				t.Error("empty Error()")
			}
		})
	}
}

func TestParseResponseNotXML(t *testing.T) {
	tests := []struct{ name, body string }{
		{"empty", ""},
		{"whitespace", " \n\t"},
		{"plain text", "Internal Server Error"},
		{"HTML login page", "<!DOCTYPE html>\n<html><head><meta charset=utf-8><title>MOR</title></head><body><form action=/billing/callc/login>Login</form></body></html>"},
		{"well-formed XHTML", "<?xml version=\"1.0\"?><html xmlns=\"http://www.w3.org/1999/xhtml\"><body><p>login</p></body></html>"},
		{"proxy error", "<html><body><h1>502 Bad Gateway</h1></body></html>"},
		{"JSON", `{"error":"Incorrect hash"}`},
		{"truncated", "<page><status><success>Rule upd"},
		{"mismatched tags", "<page><status><error>x</status></page>"},
		{"text before root", "oops<page><status><success>ok</success></status></page>"},
		{"unknown charset", "<?xml version=\"1.0\" encoding=\"KOI8-R\"?><page/>"},
		{"too deep", "<page>" + strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100) + "</page>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, err := parseResponse([]byte(tt.body))
			if env != nil {
				t.Errorf("envelope = %+v, want nil", env)
			}
			if c := ClassOf(err); c != Transient {
				t.Fatalf("class = %v (err %v), want Transient", c, err)
			}
			if !errors.Is(err, errNotXML) {
				t.Errorf("err = %v, want errNotXML in chain", err)
			}
		})
	}
}

func FuzzParseResponse(f *testing.F) {
	for _, s := range contractEnvelopes {
		f.Add([]byte(s))
	}
	for _, s := range []string{
		"", "<", "<page", "<page>", "</page>", "<page/>", "<status/>", "<error/>",
		"<html><body>login</body></html>", "<!DOCTYPE html><html>", "\xef\xbb\xbf<page/>",
		"<page><status><error><message/></error><message/></status></page>",
		"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><page><status><success>\xff</success></status></page>",
		"<page><![CDATA[<error>x</error>]]></page>", "<a:page xmlns:a=\"x\"><a:error>T</a:error></a:page>",
		"\x00\x01\x02", "<page>&bogus;</page>",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		env, err := parseResponse(body)
		if err == nil {
			if env == nil || env.root == nil {
				t.Fatal("nil envelope without error")
			}
			return
		}
		if env != nil {
			t.Fatal("envelope and error both returned")
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("error %T is not *Error", err)
		}
		switch e.Class {
		case Transient, Authentication, Rejected:
		default:
			t.Fatalf("error without a class: %#v", e)
		}
		_ = e.Error()
	})
}

// BenchmarkParseResponse is the client-side parsing share of BenchmarkClientCall.
func BenchmarkParseResponse(b *testing.B) {
	body := []byte(contractEnvelopes[0])
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseResponse(body); err != nil {
			b.Fatal(err)
		}
	}
}

// TestFieldValuesExact: a value is what MOR stores, to the byte (spaces at the ends,
// tabs, line feeds, markup characters), however the envelope around it is indented.
func TestFieldValuesExact(t *testing.T) {
	body := "<page>\n  <status>\n    <location_rule>\n      <id>1</id>\n" +
		"      <name>  both ends\t&amp; &lt;tag&gt; ]]&gt; \"q\" 'a' + = \n</name>\n" +
		"      <cut></cut>\n      <add><![CDATA[+44 ]]></add>\n    </location_rule>\n  </status>\n</page>\n"
	env, err := parseResponse([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	got := env.root.find("location_rule").fields()
	want := Fields{"id": "1", "name": "  both ends\t& <tag> ]]> \"q\" 'a' + = \n", "cut": "", "add": "+44 "}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("fields = %q, want %q", got, want)
	}
}
