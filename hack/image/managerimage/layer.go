package managerimage

import (
	"bytes"
	"compress/gzip"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// gzipLayer is an OCI layer of the tar bytes, compressed once. The default level: the best
// one saves under 1% of the manager's size and takes twice as long. The gzip header
// carries no time or name.
func gzipLayer(tarBytes []byte) (v1.Layer, error) {
	var b bytes.Buffer
	w, err := gzip.NewWriterLevel(&b, gzip.DefaultCompression)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(tarBytes); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	d, _, err := v1.SHA256(bytes.NewReader(b.Bytes()))
	if err != nil {
		return nil, err
	}
	return partial.CompressedToLayer(compressed{gz: b.Bytes(), digest: d})
}

// compressed is what partial.CompressedToLayer needs to make a v1.Layer.
type compressed struct {
	gz     []byte
	digest v1.Hash
}

func (c compressed) Digest() (v1.Hash, error)            { return c.digest, nil }
func (c compressed) Size() (int64, error)                { return int64(len(c.gz)), nil }
func (c compressed) MediaType() (types.MediaType, error) { return types.OCILayer, nil }
func (c compressed) Compressed() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(c.gz)), nil
}
