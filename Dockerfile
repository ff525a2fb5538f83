# syntax=docker/dockerfile:1
# The manager image with Docker: a static binary on distroless, run as a non-root user.
#   docker build --build-arg VERSION=$(git describe --tags --always --dirty) -t mor-operator:dev .
# (`make docker-build IMG=...` does this.)
# The reference image is `make image` (hack/image, no Docker): this one has the same
# layout, the manager at /manager, a CA bundle at /etc/ssl/certs/ca-certificates.crt,
# /etc/passwd with nonroot 65532, user 65532:65532 (hack/image's test checks the USER and
# ENTRYPOINT lines), but its other files come from the distroless base.

# Build stage.
FROM golang:1.26 AS builder
# Set by `docker buildx build --platform ...`; the defaults build for the build host.
ARG TARGETOS
ARG TARGETARCH
# Reported by the manager (main.version).
ARG VERSION=dev

WORKDIR /workspace
# Dependencies first, in their own layer: it is rebuilt only when go.mod or go.sum change.
COPY go.mod go.sum ./
RUN go mod download

# Then only the sources the manager is built from (tests, config and tools stay out;
# see also .dockerignore).
COPY Makefile main.go ./
COPY api/ api/
COPY controllers/ controllers/
COPY internal/ internal/

# `make manager` is the same build the demo (and so `make test`) runs.
RUN GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH} make manager VERSION=${VERSION} MANAGER=manager

# Run stage: no shell, no package manager; nonroot is uid/gid 65532.
FROM gcr.io/distroless/static:nonroot
WORKDIR /
COPY --from=builder /workspace/manager .
# Numeric, so that the Deployment's runAsNonRoot can verify it.
USER 65532:65532
ENTRYPOINT ["/manager"]
