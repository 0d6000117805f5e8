# Paywatch — see README.md. `make run` and `make test` install what they need on Debian/Ubuntu.
GO      ?= go
BASE_VERSION := $(shell sed -n 's/^ *Version = "\(.*\)"/\1/p' FyneApp.toml)
VERSION ?= $(BASE_VERSION)+$(shell git rev-parse --short HEAD 2>/dev/null || echo dev)
LDFLAGS := -X github.com/paywatch/paywatch/internal/cli.version=$(VERSION)
BIN     := paywatch
export LANG := en_US.UTF-8

# Every package except the root (main.go only) and the end-to-end tests, for the race detector.
LIB_PKGS = $(shell $(GO) list ./... | grep -v -e '^github.com/paywatch/paywatch$$' -e '/internal/e2e$$')

# Packages that must also build for macOS and Windows without cgo (no Fyne widgets inside).
PORTABLE_PKGS = ./monitor/... ./app/autostart/... ./app/logfile/... ./assets/...
FYNE_TOOL     = fyne.io/tools/cmd/fyne@v1.7.4

.PHONY: all build run demo test unit e2e lint vet-cross windows package bench bench-engine deps-build deps-test clean

all: build

deps-build:
	@./.ci/deps build

deps-test:
	@./.ci/deps test

# .ci/gobuild finds a Go that can build Paywatch (installing the distribution's where it is new
# enough, else saying in one line what to install: exit 3) and shows progress.
build: deps-build
	@./.ci/gobuild "$(GO)" "$(LDFLAGS)" $(BIN)

# When Paywatch cannot start (no display: exit 1) or there is no Go to build it with (exit 3),
# its own one line says why and what to do; make then exits 0 so that its "Error 1" does not
# follow that line. Any other failure (a compile error, a crash) shows make's error as usual.
run: deps-build
	@./.ci/gobuild "$(GO)" "$(LDFLAGS)" $(BIN); s=$$?; [ $$s -eq 3 ] && exit 0; [ $$s -eq 0 ] || exit $$s; \
	./$(BIN); s=$$?; [ $$s -eq 1 ] && exit 0; exit $$s

demo: build
	./$(BIN) --demo

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# Platform files cannot rot unseen: vet what builds without cgo for the other systems.
vet-cross:
	GOOS=darwin CGO_ENABLED=0 $(GO) vet $(PORTABLE_PKGS)
	GOOS=windows CGO_ENABLED=0 $(GO) vet $(PORTABLE_PKGS)
	GOOS=windows CGO_ENABLED=0 $(GO) vet -tags ci . ./internal/cli

# A GUI .exe (no console window) cross-built with mingw-w64.
windows:
	@./.ci/deps windows
	mkdir -p dist
	CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc \
		$(GO) build -ldflags "$(LDFLAGS) -H=windowsgui -s -w" -o dist/paywatch.exe .
	@file dist/paywatch.exe 2>/dev/null || true

# A Linux tarball with the .desktop file and icon, built by `fyne package` in a scratch copy
# of the tree (fyne package rewrites FyneApp.toml), so the git tree stays clean.
package: deps-build
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	git ls-files -z | xargs -0 -I{} cp --parents {} "$$tmp"; \
	mkdir -p dist; \
	(cd "$$tmp" && $(GO) run $(FYNE_TOOL) package -os linux); \
	cp "$$tmp"/*.tar.xz dist/; ls -l dist/*.tar.xz
unit:
	$(GO) test -race -count=1 $(LIB_PKGS)

e2e:
	$(GO) test -count=1 -v -run 'Test' ./internal/e2e

test: deps-test lint vet-cross windows unit e2e

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./monitor/...
	$(GO) test -run '^$$' -bench Idle -benchtime 1x ./internal/e2e

# The whole engine against the floor poller (a measurement, not a test; Linux; a few minutes).
# Options go in BENCH_ENGINE, e.g. make bench-engine BENCH_ENGINE="-n 500 -window 20s".
bench-engine: deps-build
	$(GO) run ./internal/benchengine $(BENCH_ENGINE)

clean:
	rm -f $(BIN)
