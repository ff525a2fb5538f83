package morsim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// maxBody bounds a request body.
const maxBody = 1 << 20

// readParams collects the parameters of an API request: the query string first, then
// the body, whose values win (assumed). The body is read as a form
// (application/x-www-form-urlencoded), multipart form, or JSON object
// (application/json, or any other or no content type when it starts with "{").
// JSON values may be strings, numbers (written as sent) or booleans (1/0, assumed);
// null means absent; arrays and objects are errors. Only the first value of a repeated
// form parameter counts.
func readParams(r *http.Request) (map[string]string, error) {
	p := map[string]string{}
	for k, vs := range r.URL.Query() {
		if len(vs) > 0 {
			p[k] = vs[0]
		}
	}
	if r.Body == nil || r.Body == http.NoBody {
		return p, nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "multipart/form-data" {
		r.Body = http.MaxBytesReader(nil, r.Body, maxBody)
		if err := r.ParseMultipartForm(maxBody); err != nil {
			return p, err
		}
		for k, vs := range r.MultipartForm.Value {
			if len(vs) > 0 {
				p[k] = vs[0]
			}
		}
		return p, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return p, err
	}
	if len(body) > maxBody {
		return p, errors.New("body too large")
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return p, nil
	}
	isJSON := ct == "application/json" || strings.HasSuffix(ct, "+json") ||
		(ct != "application/x-www-form-urlencoded" && trimmed[0] == '{')
	if isJSON {
		return p, readJSON(trimmed, p)
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return p, err
	}
	for k, vs := range form {
		if len(vs) > 0 {
			p[k] = vs[0]
		}
	}
	return p, nil
}

func readJSON(body []byte, p map[string]string) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON object")
	}
	for k, v := range obj {
		switch v := v.(type) {
		case nil:
		case string:
			p[k] = v
		case json.Number:
			p[k] = v.String()
		case bool:
			p[k] = "0"
			if v {
				p[k] = "1"
			}
		default:
			return fmt.Errorf("parameter %q: want a string, number or boolean", k)
		}
	}
	return nil
}

// masked returns a copy of p with the hash hidden.
func masked(p map[string]string) map[string]string {
	out := make(map[string]string, len(p))
	for k, v := range p {
		if k == "hash" {
			v = "***"
		}
		out[k] = v
	}
	return out
}
