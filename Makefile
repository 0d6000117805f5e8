# Paywatch — see README.md. `make run` and `make test` install what they need on Debian/Ubuntu.
GO      ?= go
BASE_VERSION := $(shell sed -n 's/^ *Version = "\(.*\)"/\1/p' FyneApp.toml)
VERSION ?= $(BASE_VERSION)+$(shell git rev-parse --short HEAD 2>/dev/null || echo dev)
LDFLAGS := -X github.com/paywatch/paywatch/internal/cli.version=$(VERSION)
BIN     := paywatch
HEADLESS_BIN := paywatch-headless
export LANG := en_US.UTF-8
SHELL   := /bin/bash

# Packages whose tests drive the real app on a private desktop (their tests import
# app/desktoptest): the end-to-end tests. Every other package is a unit test package.
E2E_PKGS  = $(shell $(GO) list -f '{{.ImportPath}} {{join .TestImports " "}} {{join .XTestImports " "}}' ./... | \
	awk '/ github.com\/paywatch\/paywatch\/app\/desktoptest( |$$)/ {print $$1}')
UNIT_PKGS = $(filter-out $(E2E_PKGS),$(shell $(GO) list ./...))
# `go test -json` shortened to the package lines and the output of failed tests. Built with
# -race only so that it needs no packages the race-detector tests do not also use.
SUMMARY   = $(GO) run -race ./internal/testsummary

# Packages that must also build for macOS and Windows without cgo (no Fyne widgets inside).
PORTABLE_PKGS = ./monitor/... ./app/autostart/... ./app/logfile/... ./assets/...
FYNE_TOOL     = fyne.io/tools/cmd/fyne@v1.7.4

.PHONY: all build build-headless run demo test unit e2e lint vet-cross windows package bench bench-engine deps-build deps-test clean

all: build

deps-build:
	@./.ci/deps build

deps-test:
	@./.ci/deps test

# .ci/gobuild finds a Go that can build Paywatch (installing the distribution's where it is new
# enough, else saying in one line what to install: exit 3) and shows progress.
build: deps-build
	@./.ci/gobuild "$(GO)" "$(LDFLAGS)" $(BIN)

# The headless build: every command but the tray app and its windows, without Fyne or OpenGL,
# for a server or NAS without a desktop. No cgo: one static file that needs no system
# libraries, and no system packages to build it (only Go).
build-headless:
	@CGO_ENABLED=0 ./.ci/gobuild "$(GO)" "$(LDFLAGS)" $(HEADLESS_BIN) headless

# When Paywatch cannot start (no display: exit 1) or there is no Go to build it with (exit 3),
# its own one line says why and what to do; make then exits 0 so that its "Error 1" does not
# follow that line. Any other failure (a compile error, a crash) shows make's error as usual.
run: deps-build
	@./.ci/gobuild "$(GO)" "$(LDFLAGS)" $(BIN); s=$$?; [ $$s -eq 3 ] && exit 0; [ $$s -eq 0 ] || exit $$s; \
	./$(BIN); s=$$?; [ $$s -eq 1 ] && exit 0; exit $$s

demo: build
	./$(BIN) --demo

# go vet with -race type-checks against the packages compiled for the race detector, which
# unit and e2e use, so Fyne, GLFW and OpenGL's large C code are compiled once for all three.
# The headless build's files (-tags headless) are vetted too; internal/headlesstest builds it.
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet -race ./...
	$(GO) vet -race -tags headless ./...

# Platform files cannot rot unseen: vet what builds without cgo for the other systems, and
# the whole Windows build with mingw-w64's cgo, as `make windows` compiles it (so that
# build reuses the compiled packages).
WINDOWS_ENV = CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc
vet-cross:
	@./.ci/deps windows
	GOOS=darwin CGO_ENABLED=0 $(GO) vet $(PORTABLE_PKGS)
	GOOS=windows CGO_ENABLED=0 $(GO) vet $(PORTABLE_PKGS)
	$(WINDOWS_ENV) $(GO) vet ./...

# A GUI .exe (no console window) cross-built with mingw-w64.
windows:
	@./.ci/deps windows
	mkdir -p dist
	$(WINDOWS_ENV) $(GO) build -ldflags "$(LDFLAGS) -H=windowsgui -s -w" -o dist/paywatch.exe .
	@file dist/paywatch.exe 2>/dev/null || true

# A Linux tarball with the .desktop file and icon, built by `fyne package` in a scratch copy
# of the tree (fyne package rewrites FyneApp.toml), so the git tree stays clean.
package: deps-build
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	git ls-files -z | xargs -0 -I{} cp --parents {} "$$tmp"; \
	mkdir -p dist; \
	(cd "$$tmp" && $(GO) run $(FYNE_TOOL) package -os linux); \
	cp "$$tmp"/*.tar.xz dist/; ls -l dist/*.tar.xz

# The history also once without cgo: the headless build keeps the Go translation of SQLite.
unit:
	set -o pipefail; $(GO) test -race -count=1 -json $(UNIT_PKGS) 2>&1 | $(SUMMARY)
	set -o pipefail; CGO_ENABLED=0 $(GO) test -count=1 -json ./monitor/history/ 2>&1 | $(SUMMARY)

# The end-to-end tests build Paywatch with the race detector (app/desktoptest.Build) and run
# with it themselves, sharing its compiled packages.
e2e:
	set -o pipefail; $(GO) test -race -count=1 -json -run 'Test' $(E2E_PKGS) 2>&1 | $(SUMMARY) -tests -keep 'data race'

# Every check, each phase timed (see .ci/test).
test:
	@./.ci/test

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./monitor/...
	$(GO) test -run '^$$' -bench Idle -benchtime 1x ./internal/e2e
	$(GO) test -run '^$$' -bench Latency -benchtime 1x ./internal/e2e

# The whole engine against the floor poller (a measurement, not a test; Linux; a few minutes).
# Options go in BENCH_ENGINE, e.g. make bench-engine BENCH_ENGINE="-n 500 -window 20s".
bench-engine: deps-build
	$(GO) run ./internal/benchengine $(BENCH_ENGINE)

clean:
	rm -f $(BIN) $(HEADLESS_BIN)
