package mor

import (
	"errors"
	"net/url"
	"strings"
)

// redacted replaces a secret found in an error text.
const redacted = "[REDACTED]"

// redactURL returns raw without userinfo, query string or fragment: the parts of a URL
// that may carry credentials.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "[unparseable URL]"
	}
	u.User = nil
	u.RawQuery, u.ForceQuery = "", false
	u.Fragment, u.RawFragment = "", ""
	return u.String()
}

// redactError returns err made safe to show: any *url.Error in it is rebuilt around a
// redacted URL, and if a secret (the key, a hash, a parameter value the caller
// considers secret) still shows in its text, the whole error is replaced by its text
// with each secret blanked out (the chain is dropped, since any link might repeat it).
func redactError(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = &url.Error{Op: ue.Op, URL: redactURL(ue.URL), Err: ue.Err}
	}
	msg := err.Error()
	clean := redactString(msg, secrets...)
	if clean != msg {
		return errors.New(clean)
	}
	return err
}

// redactString blanks out every non-empty secret in s.
func redactString(s string, secrets ...string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, redacted)
		}
	}
	return s
}
