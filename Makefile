# Hubs: see README.md. `make run` and `make test` are the two commands a newcomer needs.
GO        ?= go
BIN       := bin/hubs
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X main.version=$(VERSION)
# Debian packages the tests talk to for real: the PostgreSQL server, a libzmq peer
# (Debian's python3-zmq, run with Debian's /usr/bin/python3) and headless Chromium.
TEST_DEBS := postgresql python3-zmq chromium
TEST_TIMEOUT ?= 14m

.PHONY: all build run test deps deps-run lint bench clean

all: build

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/hubs

# run builds, then serves on :5000 with a private PostgreSQL under ./var (created on first
# use, stopped on Ctrl-C, kept between runs). Set HUBS_DATABASE_URL to use another server.
run: build deps-run
	./$(BIN) serve --demo

# APT installs Debian packages given in $(1) that are missing, as root or through sudo.
APT = if [ -n "$(strip $(1))" ]; then \
		echo "installing Debian packages: $(strip $(1))"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $(1); \
	fi

HAVE_PG = { command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; }

# deps-run installs what `make run` needs: the PostgreSQL server, unless a database is given.
deps-run:
	@if [ -z "$$HUBS_DATABASE_URL" ] && ! $(HAVE_PG); then $(call APT,postgresql); fi

# deps installs, with apt-get, each Debian package the tests need that is missing.
deps:
	@missing=""; \
	$(HAVE_PG) || missing="$$missing postgresql"; \
	/usr/bin/python3 -c 'import zmq' >/dev/null 2>&1 || missing="$$missing python3-zmq"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	$(call APT,$$missing)

test: deps
	$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin
