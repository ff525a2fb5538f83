package managerimage

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Options are what Build puts into the image besides its files.
type Options struct {
	// Binaries maps each platform ("linux/amd64") to the static manager built for it.
	Binaries map[string]string
	// Version is org.opencontainers.image.version (and the layout's ref name).
	Version string
	// Revision is the commit, org.opencontainers.image.revision.
	Revision string
	// Created is every timestamp in the image: the commit time (SOURCE_DATE_EPOCH).
	Created time.Time
}

// Build assembles one image per platform into an OCI index, in the order of the platforms'
// names. Nothing is written: see WriteLayout.
func Build(o Options) (v1.ImageIndex, error) {
	if len(o.Binaries) == 0 {
		return nil, fmt.Errorf("no platform to build")
	}
	if o.Version == "" || o.Revision == "" || o.Created.IsZero() {
		return nil, fmt.Errorf("version, revision and creation time are required (got %q, %q, %v)", o.Version, o.Revision, o.Created)
	}
	ca, err := caBundle()
	if err != nil {
		return nil, err
	}
	var adds []mutate.IndexAddendum
	for _, platform := range slices.Sorted(maps.Keys(o.Binaries)) {
		p, err := v1.ParsePlatform(platform)
		if err != nil {
			return nil, err
		}
		img, err := platformImage(o.Binaries[platform], p, o, ca)
		if err != nil {
			return nil, fmt.Errorf("%s (%s): %w", platform, o.Binaries[platform], err)
		}
		adds = append(adds, mutate.IndexAddendum{Add: plainImage{img}, Descriptor: v1.Descriptor{Platform: p}})
	}
	return mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), adds...), nil
}

// platformImage is the image of the manager binary built for platform: one layer and
// its config.
func platformImage(binary string, platform *v1.Platform, o Options, caBundle []byte) (v1.Image, error) {
	manager, err := os.ReadFile(binary)
	if err != nil {
		return nil, err
	}
	module, err := checkBinary(manager, platform.OS+"/"+platform.Architecture)
	if err != nil {
		return nil, err
	}
	created := o.Created.UTC().Truncate(time.Second)
	layerBytes, err := layerTar(rootfs(manager, caBundle), created)
	if err != nil {
		return nil, err
	}
	layer, err := gzipLayer(layerBytes)
	if err != nil {
		return nil, err
	}

	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err = mutate.Append(img, mutate.Addendum{Layer: layer, History: v1.History{
		Created:   v1.Time{Time: created},
		CreatedBy: "hack/image: " + ManagerPath + ", " + CABundlePath + ", /etc/passwd, /etc/group",
	}})
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.Created = v1.Time{Time: created}
	cf.OS, cf.Architecture, cf.Variant = platform.OS, platform.Architecture, platform.Variant
	cf.Config = v1.Config{
		User:       User,
		Entrypoint: []string{ManagerPath},
		WorkingDir: "/",
		Labels: map[string]string{
			"org.opencontainers.image.title":    "mor-operator",
			"org.opencontainers.image.source":   "https://" + module,
			"org.opencontainers.image.version":  o.Version,
			"org.opencontainers.image.revision": o.Revision,
			"org.opencontainers.image.created":  created.Format(time.RFC3339),
		},
	}
	return mutate.ConfigFile(img, cf)
}

// plainImage is an image whose descriptor in the index has no artifactType: go-containerregistry
// sets it to the config's media type, which OCI 1.1 means for artifacts, not images, and
// tools built on OCI 1.0 drop when they copy the index, changing its digest (so `skopeo
// copy --preserve-digests` refuses).
type plainImage struct{ v1.Image }

func (plainImage) ArtifactType() (string, error) { return "", nil }
