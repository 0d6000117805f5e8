# Paywatch — see README.md. `make run` and `make test` install what they need on Debian/Ubuntu.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
BIN     := paywatch
export LANG := en_US.UTF-8

# Every package except the root (the binary with GLFW's C code), for the race detector.
LIB_PKGS = $(shell $(GO) list ./... | grep -v '^github.com/paywatch/paywatch$$')

.PHONY: all build run demo test unit e2e lint bench deps-build deps-test clean

all: build

deps-build:
	@./.ci/deps build

deps-test:
	@./.ci/deps test

build: deps-build
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) .

run: build
	./$(BIN)

demo: build
	./$(BIN) --demo

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

unit:
	$(GO) test -race -count=1 $(LIB_PKGS)

e2e:
	$(GO) test -count=1 -v -run 'Test' .

test: deps-test lint unit e2e

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./monitor/...

clean:
	rm -f $(BIN)
