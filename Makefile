# Hubs: see README.md. `make run` and `make test` are the two commands a newcomer needs.
GO        ?= go
BIN       := bin/hubs
# Debian packages the tests talk to for real: the PostgreSQL server, a libzmq peer
# (Debian's python3-zmq, run with Debian's /usr/bin/python3) and headless Chromium.
TEST_DEBS := postgresql python3-zmq chromium
TEST_TIMEOUT ?= 14m

.PHONY: all build run test deps lint bench clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/hubs

run: build
	./$(BIN) serve

# deps installs, with apt-get, each Debian package the tests need that is missing.
deps:
	@missing=""; \
	{ command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; } || missing="$$missing postgresql"; \
	/usr/bin/python3 -c 'import zmq' >/dev/null 2>&1 || missing="$$missing python3-zmq"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $$missing; \
	fi

test: deps
	$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin
