# tcp-udp-chat: every target installs the Node dependencies first when they are
# missing or older than the lockfile, so on a fresh clone `make tcp-server` and
# `make test` are all a user types. Extra flags go through ARGS, e.g.
#   make tcp-server ARGS="--port 9000 --trace"

NODE   ?= node
RUN    := $(NODE) --import tsx
UVU    := $(RUN) node_modules/uvu/bin.js tests '\.test\.ts$$' --no-color
STAMP  := node_modules/.installed
ARGS   ?=

.PHONY: tcp-server tcp-client udp-server udp-client test coverage typecheck lint ci deps

deps: $(STAMP)

$(STAMP): package.json package-lock.json
	@echo "installing the Node dependencies (npm ci)..." >&2
	@npm ci --no-audit --no-fund --loglevel=error >&2
	@touch $@

# The four mirrors. Ctrl-C (130) and SIGTERM (143) are how a chat ends, not failures,
# so make stays quiet about them; a real error (1, 2) still fails the target.
CHAT = $(RUN) $(1) $(ARGS); code=$$?; [ $$code -eq 130 ] || [ $$code -eq 143 ] || exit $$code

tcp-server: $(STAMP)
	@$(call CHAT,tcp/server.ts)
tcp-client: $(STAMP)
	@$(call CHAT,tcp/client.ts)
udp-server: $(STAMP)
	@$(call CHAT,udp/server.ts)
udp-client: $(STAMP)
	@$(call CHAT,udp/client.ts)

test: $(STAMP)
	$(UVU)

# Coverage of tcp/, udp/ and shared/ over the whole suite, spawned scripts included.
coverage: $(STAMP)
	$(NODE) node_modules/c8/bin/c8.js $(UVU)

typecheck: $(STAMP)
	node_modules/.bin/tsc --noEmit -p .

lint: $(STAMP)
	node_modules/.bin/biome ci .

ci: typecheck lint coverage
