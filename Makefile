# mor-operator — kubebuilder-style targets. Tools and envtest assets live in ./bin.
SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec

IMG ?= mor-operator:dev
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

LOCALBIN := $(CURDIR)/bin
CONTROLLER_TOOLS_VERSION ?= v0.23.0
GOLANGCI_LINT_VERSION ?= v2.15.0
CRD_REF_DOCS_VERSION ?= v0.3.0
CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen-$(CONTROLLER_TOOLS_VERSION)
GOLANGCI_LINT ?= $(LOCALBIN)/golangci-lint-$(GOLANGCI_LINT_VERSION)
CRD_REF_DOCS ?= $(LOCALBIN)/crd-ref-docs-$(CRD_REF_DOCS_VERSION)

# Fuzzing time of each fuzz target in `make test` (seed corpora: testdata/fuzz/).
FUZZTIME ?= 10s

.PHONY: all
all: build

##@ Development

.PHONY: manifests
manifests: $(CONTROLLER_GEN) ## Generate CRDs and RBAC from markers; per kind, the CRD kustomization, editor/viewer roles and Argo CD health checks; the Helm chart.
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd paths="./..." output:crd:artifacts:config=config/crd/bases
	sed 's/^kind: ClusterRole$$/kind: Role/' config/rbac/role.yaml > config/namespaced/role/role.yaml
	go run ./hack/kindconfig
	go run ./hack/argocdhealth
	go run ./hack/chart generate

.PHONY: chart
chart: ## Generate the Helm chart dist/chart (templates, values.yaml, schema) from config/ and main.go's flags.
	go run ./hack/chart generate

.PHONY: generate
generate: $(CONTROLLER_GEN) ## Generate deepcopy code.
	$(CONTROLLER_GEN) object paths="./api/..."

.PHONY: fmt
fmt: ## go fmt.
	go fmt ./...

.PHONY: vet
vet: ## go vet.
	go vet ./...

.PHONY: lint
lint: $(GOLANGCI_LINT) ## golangci-lint with .golangci.yml.
	$(GOLANGCI_LINT) run ./...

.PHONY: envtest-assets
envtest-assets: ## Provide kube-apiserver and etcd for envtest (downloaded, else built from Go modules; once).
	@./hack/envtest-assets.sh >/dev/null

.PHONY: test
test: manifests generate fmt vet envtest-assets ## Run every test: unit, envtest, fuzz (briefly), e2e.
	E2E= KUBEBUILDER_ASSETS="$$(./hack/envtest-assets.sh)" go test ./... -count=1 -timeout 30m
	go test ./internal/mor -run '^$$' -fuzz '^FuzzParseResponse$$' -fuzztime $(FUZZTIME)
	go test ./internal/mor -run '^$$' -fuzz '^FuzzLocationRuleParams$$' -fuzztime $(FUZZTIME)
	go test ./internal/morsim -run '^$$' -fuzz '^FuzzServeAPI$$' -fuzztime $(FUZZTIME)
	$(MAKE) --no-print-directory bench-scale-smoke
	$(MAKE) --no-print-directory test-e2e

.PHONY: test-crash
test-crash: envtest-assets ## SIGKILL the manager right after MOR created a rule, CRASH_POINTS times (default 25): exactly one rule per resource.
	CRASH_POINTS=$${CRASH_POINTS:-25} KUBEBUILDER_ASSETS="$$(./hack/envtest-assets.sh)" go test ./hack/crash -count=1 -v -timeout 20m

.PHONY: test-reliability
test-reliability: envtest-assets ## Fault suite, long form: MOR outage, SIGKILLs, API server restart, leader death, hanging MOR (hack/reliability; `make test` runs the short form).
	RELIABILITY_LONG=1 KUBEBUILDER_ASSETS="$$(./hack/envtest-assets.sh)" go test ./hack/reliability -count=1 -v -timeout 60m

.PHONY: test-e2e
test-e2e: ## End-to-end: runs the demo (hack/demo.sh) and checks its outcome; needs kubectl.
	E2E=1 go test ./hack/e2e -count=1 -v -timeout 15m

.PHONY: demo
demo: ## Local control plane + MOR simulator + operator; applies config/samples and shows status (DEMO_KEEP=1 keeps it running).
	./hack/demo.sh

.PHONY: docs
docs: $(CRD_REF_DOCS) ## Generate the API reference docs/api.md from api/ (crd-ref-docs).
	$(CRD_REF_DOCS) --source-path=./api --config=docs/crd-ref-docs.yaml --renderer=markdown --output-path=docs/api.md

.PHONY: bench
bench: ## Benchmarks (simulator throughput, client overhead, reconcile).
	go test ./... -run '^$$' -bench . -benchmem

BENCH_SCALE_N ?= 1000 5000 10000
# cold / floor moves by ±15% from one run to the next on a shared 2-core machine: its median over this many runs is the figure.
BENCH_SCALE_RUNS ?= 3
.PHONY: bench-scale
bench-scale: manager morsim envtest-assets ## At scale: the manager process against envtest and the simulator, with both floors (hack/benchscale; results in bin/).
	@for n in $(BENCH_SCALE_N); do \
	  throttled=$$([ $$n -le 1000 ] && echo true || echo false); \
	  KUBEBUILDER_ASSETS="$$(./hack/envtest-assets.sh)" go run ./hack/benchscale -n $$n -throttled-floor=$$throttled -runs $(BENCH_SCALE_RUNS) -out bin/bench-scale-$$n.json || exit 1; \
	done
	KUBEBUILDER_ASSETS="$$(./hack/envtest-assets.sh)" go run ./hack/benchscale -n 200 -rate-limit 5 -out bin/bench-scale-200-default-rate.json

.PHONY: bench-scale-smoke
bench-scale-smoke: manager morsim envtest-assets ## hack/benchscale once at a small N, so it cannot rot (make test runs it).
	KUBEBUILDER_ASSETS="$$(./hack/envtest-assets.sh)" go run ./hack/benchscale -n 50 -locations 5 -poll-interval 2s -out bin/bench-scale-smoke.json

##@ Build

.PHONY: build
build: generate fmt vet manager plugin ## Build the manager (bin/manager) and the kubectl plugin (bin/kubectl-mor).

MANAGER ?= bin/manager
.PHONY: manager
manager: ## The static manager binary alone: the build the Dockerfile and the demo run.
	CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o $(MANAGER) .

.PHONY: morsim
morsim: ## The MOR simulator alone: bin/morsim (hack/morsim; the scale benchmark runs it as its own process).
	go build -o bin/morsim ./hack/morsim

.PHONY: plugin
plugin: ## The kubectl plugin alone: bin/kubectl-mor (put bin/ on PATH for `kubectl mor`).
	CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o bin/kubectl-mor ./cmd/kubectl-mor

.PHONY: build-installer
build-installer: ## Render dist/install.yaml (CRDs, RBAC, Deployment) with the image IMG.
	IMG=$(IMG) ./hack/build-installer.sh dist/install.yaml

.PHONY: run
run: manifests generate fmt vet ## Run the manager against the current kubeconfig.
	go run . $(ARGS)

.PHONY: docker-build
docker-build: ## Build the image with Docker (needs a Docker engine); `make image` builds the reference image without one.
	docker build --build-arg VERSION=$(VERSION) -t $(IMG) .

##@ Image and release

# linux/amd64 and linux/arm64, cross-compiled; every timestamp in the image is the commit
# time, so one commit gives one digest.
PLATFORMS ?= linux/amd64,linux/arm64
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null)
REVISION ?= $(shell git rev-parse HEAD 2>/dev/null)
IMAGE_DIR ?= dist/image

.PHONY: image
image: ## The manager image, built in Go without Docker (hack/image): an OCI layout at dist/image for PLATFORMS.
	go run ./hack/image build -out $(IMAGE_DIR) -platforms $(PLATFORMS) -version $(VERSION) -revision $(REVISION) -created $(SOURCE_DATE_EPOCH)

.PHONY: image-push
image-push: image ## Push the image to IMG (registry/name:tag) with your registry credentials; prints IMG's name@digest.
	go run ./hack/image push -layout $(IMAGE_DIR) $(IMG)

# The chart archive for VERSION=vX.Y.Z: $(CHART_OUT)/mor-operator-X.Y.Z.tgz (chart version X.Y.Z,
# appVersion vX.Y.Z). CHART_IMAGE and CHART_DIGEST, if set, become image.repository and
# image.digest's defaults (make release passes its image's). File times are
# SOURCE_DATE_EPOCH's, so one commit packages to one archive.
CHART_OUT ?= dist/release
.PHONY: chart-package
chart-package: ## Package dist/chart for VERSION=vX.Y.Z into CHART_OUT (refuses a stale chart).
	SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH) go run ./hack/chart package \
	  -version $(VERSION) -out $(CHART_OUT) $(if $(CHART_IMAGE),-image $(CHART_IMAGE)) $(if $(CHART_DIGEST),-digest $(CHART_DIGEST))

RELEASE_DIR ?= dist/release
# Where the release's install.yaml expects the image (pinned by digest, so push the
# layout there, or render install.yaml again with your registry: docs/install.md).
RELEASE_IMAGE ?= ghcr.io/mor-operator/mor-operator

.PHONY: release
release: ## Release VERSION=vX.Y.Z into dist/release: image layout (both platforms), install.yaml pinned by digest, crds.yaml, chart, SBOMs, SHA256SUMS.
	@[[ "$(VERSION)" =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$$ ]] || { echo "make release needs VERSION=vX.Y.Z (got '$(VERSION)')" >&2; exit 1; }
	rm -rf $(RELEASE_DIR)
	$(MAKE) --no-print-directory image IMAGE_DIR=$(RELEASE_DIR)/image PLATFORMS=linux/amd64,linux/arm64
	kubectl kustomize config/crd > $(RELEASE_DIR)/crds.yaml
	@digest=$$(go run ./hack/image digest -layout $(RELEASE_DIR)/image); \
	IMG=$(RELEASE_IMAGE):$(VERSION)@$$digest ./hack/build-installer.sh $(RELEASE_DIR)/install.yaml; \
	$(MAKE) --no-print-directory chart-package VERSION=$(VERSION) CHART_OUT=$(RELEASE_DIR) CHART_IMAGE=$(RELEASE_IMAGE) CHART_DIGEST=$$digest
	go run ./hack/release -dir $(RELEASE_DIR) -version $(VERSION)
	@echo "release $(VERSION) in $(RELEASE_DIR):"; ls $(RELEASE_DIR)

##@ Tools

$(LOCALBIN):
	mkdir -p $(LOCALBIN)

$(CONTROLLER_GEN): | $(LOCALBIN)
	GOBIN=$(LOCALBIN) go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_TOOLS_VERSION)
	mv $(LOCALBIN)/controller-gen $@

$(GOLANGCI_LINT): | $(LOCALBIN)
	GOBIN=$(LOCALBIN) go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	mv $(LOCALBIN)/golangci-lint $@

$(CRD_REF_DOCS): | $(LOCALBIN)
	GOBIN=$(LOCALBIN) go install github.com/elastic/crd-ref-docs@$(CRD_REF_DOCS_VERSION)
	mv $(LOCALBIN)/crd-ref-docs $@

.PHONY: help
help: ## Show targets.
	@awk 'BEGIN {FS = ":.*##"} /^[a-zA-Z0-9_-]+:.*?##/ { printf "  %-16s %s\n", $$1, $$2 } /^##@/ { printf "\n%s\n", substr($$0, 5) }' $(MAKEFILE_LIST)
