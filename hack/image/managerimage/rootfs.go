package managerimage

import (
	"archive/tar"
	"bytes"
	"io/fs"
	"slices"
	"strings"
	"time"
)

// The image's layout; the Dockerfile builds the same (its test checks the user and entrypoint).
const (
	ManagerPath  = "/manager"
	CABundlePath = "/etc/ssl/certs/ca-certificates.crt"
	// User is numeric, so that a Pod's runAsNonRoot can verify it.
	User = "65532:65532"

	nonrootID = 65532
	passwd    = "root:x:0:0:root:/root:/sbin/nologin\n" +
		"nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"
	group = "root:x:0:\nnonroot:x:65532:\n"
)

// entry is one file or directory of the layer.
type entry struct {
	name     string // absolute path; a directory's ends in "/"
	mode     fs.FileMode
	owner    int // uid and gid
	contents []byte
}

// rootfs is every entry of the image's one layer: the manager and what a static Go
// program needs around it (a trust store, a passwd entry for its user, a home and /tmp).
func rootfs(manager, caBundle []byte) []entry {
	return []entry{
		{name: ManagerPath, mode: 0o755, contents: manager},
		{name: CABundlePath, mode: 0o644, contents: caBundle},
		{name: "/etc/passwd", mode: 0o644, contents: []byte(passwd)},
		{name: "/etc/group", mode: 0o644, contents: []byte(group)},
		{name: "/etc/", mode: fs.ModeDir | 0o755},
		{name: "/etc/ssl/", mode: fs.ModeDir | 0o755},
		{name: "/etc/ssl/certs/", mode: fs.ModeDir | 0o755},
		{name: "/home/", mode: fs.ModeDir | 0o755},
		{name: "/home/nonroot/", mode: fs.ModeDir | 0o700, owner: nonrootID},
		{name: "/tmp/", mode: fs.ModeDir | fs.ModeSticky | 0o777},
	}
}

// layerTar writes entries as an uncompressed tar, sorted by name, every timestamp at
// mtime and no user or group names, so that the bytes depend on the contents only.
func layerTar(entries []entry, mtime time.Time) ([]byte, error) {
	entries = slices.Clone(entries)
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.name, b.name) })
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	for _, e := range entries {
		h := &tar.Header{
			Name:    strings.TrimPrefix(e.name, "/"),
			Mode:    int64(e.mode.Perm()),
			Uid:     e.owner,
			Gid:     e.owner,
			ModTime: mtime,
			Format:  tar.FormatUSTAR, // plain tar: every value here fits it
		}
		if e.mode&fs.ModeSticky != 0 {
			h.Mode |= 0o1000 // c_ISVTX
		}
		if e.mode.IsDir() {
			h.Typeflag = tar.TypeDir
		} else {
			h.Typeflag, h.Size = tar.TypeReg, int64(len(e.contents))
		}
		if err := w.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := w.Write(e.contents); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
