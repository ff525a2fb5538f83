package mor

import (
	"fmt"
	"strings"
)

// Words the operator and the kubectl plugin both show, so a user reads the same advice
// in a resource's status and on the plugin's stderr.

// RefuseInsecureHTTP refuses a plain http:// base URL unless allowed: MOR's request
// hashes cover neither the method nor a time, so anyone who sees one can replay it.
// allow says what would allow it, e.g. "spec.allowInsecureHTTP is true".
func RefuseInsecureHTTP(baseURL string, allowed bool, allow string) error {
	if allowed || !strings.HasPrefix(strings.ToLower(baseURL), "http://") {
		return nil
	}
	return fmt.Errorf("http:// is refused unless %s", allow)
}

// CredentialsRefused says that MOR refused who we are (text is MOR's words, verbatim)
// and what to check; where names the username and key that were used (a MorServer's
// fields, a URL).
func CredentialsRefused(text, where string) string {
	return fmt.Sprintf("MOR refused the credentials (%s): check the username and the API key (%s), and that the API is enabled for that user", text, where)
}
