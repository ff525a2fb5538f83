package mor

import (
	"crypto/sha1" //nolint:gosec // MOR's API defines its request hash as SHA-1; not our choice.
	"encoding/hex"
)

// Sign returns MOR's request hash for method: the lowercase hex SHA-1 of the values of
// the method's hash parameters taken from params in the method's fixed order (an absent
// parameter contributes ""), followed by key. The result is as secret as the key: never
// log it.
func Sign(method *Method, params Fields, key string) string {
	h := sha1.New() //nolint:gosec // see import
	for _, name := range method.hashParams {
		h.Write([]byte(params[name]))
	}
	h.Write([]byte(key))
	return hex.EncodeToString(h.Sum(nil))
}
