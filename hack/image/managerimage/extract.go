package managerimage

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// ReadFile returns the contents of the regular file at path (e.g. ManagerPath) in img's
// file system.
func ReadFile(img v1.Image, path string) ([]byte, error) {
	rc := mutate.Extract(img)
	defer rc.Close()
	r := tar.NewReader(rc)
	for {
		h, err := r.Next()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: not in the image", path)
		}
		if err != nil {
			return nil, err
		}
		if h.Typeflag == tar.TypeReg && "/"+strings.TrimPrefix(h.Name, "./") == path {
			return io.ReadAll(r)
		}
	}
}

// PlatformImages are the images of idx by platform ("linux/amd64").
func PlatformImages(idx v1.ImageIndex) (map[string]v1.Image, error) {
	m, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	images := map[string]v1.Image{}
	for _, desc := range m.Manifests {
		if desc.Platform == nil {
			return nil, fmt.Errorf("manifest %s has no platform", desc.Digest)
		}
		img, err := idx.Image(desc.Digest)
		if err != nil {
			return nil, err
		}
		images[desc.Platform.String()] = img
	}
	return images, nil
}
