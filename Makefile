# veza — see README.md. `make demo` and `make test` install missing
# prerequisites themselves (scripts/deps.sh).
SHELL := /bin/bash
GO ?= go
PKG := github.com/veza-media/veza/internal/cli
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null)
DATE ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS := -X $(PKG).version=$(VERSION) -X $(PKG).commit=$(COMMIT) -X $(PKG).date=$(DATE)
DEMO_DIR ?= demo-out
# The newest goreleaser whose module builds with Go 1.26.
GORELEASER_VERSION ?= v2.12.7

.PHONY: all build deps test vet demo bench fuzz release-check clean

all: build

deps:
	@./scripts/deps.sh

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/veza ./cmd/veza

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

test: deps vet
	$(GO) test -race -timeout 14m ./...

demo: deps build
	@./scripts/demo.sh "$(DEMO_DIR)"

bench: deps build
	@VEZA_DEPS_BENCH=1 ./scripts/deps.sh
	@./scripts/bench.sh

fuzz:
	@for p in $$($(GO) list ./pkg/...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$p | grep ^Fuzz); do \
	    echo "== $$p $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime 20s $$p || exit 1; \
	  done; \
	done

release-check:
	$(GO) install github.com/goreleaser/goreleaser/v2@$(GORELEASER_VERSION)
	$$($(GO) env GOPATH)/bin/goreleaser check

clean:
	rm -rf bin dist $(DEMO_DIR)
