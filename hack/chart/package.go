package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"helm.sh/helm/v4/pkg/chart/common"
	commonutil "helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
)

type packageOptions struct {
	version, out       string
	repository, digest string // optional new defaults of image.repository, image.digest
}

var releaseVersion = regexp.MustCompile(`^v(\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?)$`)

// packageChart writes <out>/mor-operator-<version without v>.tgz: root's dist/chart with
// version and appVersion set to the release's (so image.tag defaults to it), and the
// image defaults replaced when given. Every file's time is SOURCE_DATE_EPOCH (else
// 0), so one commit packages to one archive. A stale chart is refused.
func packageChart(root string, o packageOptions) (string, error) {
	m := releaseVersion.FindStringSubmatch(o.version)
	if m == nil {
		return "", fmt.Errorf("-version %q: want vX.Y.Z (an optional -pre-release suffix allowed)", o.version)
	}
	if o.out == "" {
		return "", fmt.Errorf("-out: the directory to write the package to is required")
	}
	if stale, err := staleFiles(root); err != nil || len(stale) > 0 {
		return "", fmt.Errorf("%s is stale in %v (run make chart): %v", chartDir, stale, err)
	}
	c, err := loader.LoadDir(filepath.Join(root, chartDir))
	if err != nil {
		return "", err
	}
	c.Metadata.Version, c.Metadata.AppVersion = m[1], o.version
	for key, value := range map[string]string{"repository": o.repository, "digest": o.digest} {
		if value == "" {
			continue
		}
		for _, f := range c.Raw {
			if f.Name == chartutil.ValuesfileName {
				if f.Data, err = setImageDefault(f.Data, key, value); err != nil {
					return "", err
				}
			}
		}
	}
	// The new defaults must pass the schema too.
	for _, f := range c.Raw {
		if f.Name != chartutil.ValuesfileName {
			continue
		}
		if c.Values, err = common.ReadValues(f.Data); err != nil {
			return "", err
		}
		if err := commonutil.ValidateAgainstSchema(c, c.Values); err != nil {
			return "", fmt.Errorf("image defaults: %w", err)
		}
	}
	epoch := int64(0)
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		if epoch, err = strconv.ParseInt(s, 10, 64); err != nil {
			return "", fmt.Errorf("SOURCE_DATE_EPOCH %q: %w", s, err)
		}
	}
	c.StampModTimes(time.Unix(epoch, 0).UTC())
	return chartutil.Save(c, o.out)
}

// setImageDefault replaces the value of image.<key> in values.yaml's text, keeping its
// comments: the line "  <key>: ..." in the image block, which must occur once.
func setImageDefault(values []byte, key, value string) ([]byte, error) {
	re := regexp.MustCompile(`(?m)^(image:\n(?:  .*\n|  #.*\n)*?  ` + regexp.QuoteMeta(key) + `: ).*$`)
	if n := len(re.FindAllIndex(values, -1)); n != 1 {
		return nil, fmt.Errorf("values.yaml: %d lines image.%s, want 1", n, key)
	}
	return re.ReplaceAll(values, []byte("${1}"+strings.ReplaceAll(yamlScalar(value), "$", "$$"))), nil
}
