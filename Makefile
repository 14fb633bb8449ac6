# tcp-udp-chat. `make` alone lists the targets. The chat targets install only what running
# the scripts needs (nothing on a Node that strips types itself, >= 22.13; amaro, 7 MB,
# on older ones), build once, and start the built script; the test targets install the
# whole toolkit. Any number of makes may start at once: one installs, the others wait.
# Extra flags go through ARGS, e.g.   make tcp-server ARGS="--port 9000 --trace"

# No built-in rules or variables: make would otherwise look for ways to remake each of the
# fifty sources below (from RCS, SCCS, .c, ...) at every start, 3 of its 6 ms.
MAKEFLAGS += --no-builtin-rules --no-builtin-variables

NODE   ?= node
ARGS   ?=
BUILD  := .cache/build
STAMP  := node_modules/.installed
# A script built from tcp/server.ts runs as $(BUILD)/tcp/server.js: the same statements on
# the same lines, types stripped (tools/build.mjs). Rebuilt when a source is newer.
CHAT_SOURCES := $(wildcard tcp/*.ts tcp/*/*.ts udp/*.ts shared/*.ts)
LAB_SOURCES  := $(wildcard lab/*.ts lab/*/*.ts)
DEV_DIRS     := harness tests bench docs/tools lab check
DEV_SOURCES  := $(foreach d,$(DEV_DIRS),$(wildcard $(d)/*.ts $(d)/*/*.ts))
RUN          := exec $(NODE) $(BUILD)
# The chat scripts start without NODE_EXTRA_CA_CERTS: Node 20 reads and parses every
# certificate that file names as it starts (34 ms of each start where it names Debian's
# bundle; Node 22 and 24 wait until TLS is first used), and the chat speaks no TLS.
CHAT         := NODE_EXTRA_CA_CERTS= $(RUN)

.DEFAULT_GOAL := help
.PHONY: help tcp-server tcp-client udp-server udp-client room-server room-client room-cluster test coverage \
        typecheck lint ci deps chat runtimes test-runtimes capture capture-udp demo demo-udp docs bench lab \
        frame-server frame-client capture-frame capture-loss check

help:
	@echo "tcp-udp-chat: the article's four socket chat programs, in TypeScript"
	@echo ""
	@echo "  make tcp-server    the TCP server (127.0.0.1:8001); then, in another terminal:"
	@echo "  make tcp-client    the TCP client; type byebye to end"
	@echo "  make udp-server    the UDP server (127.0.0.1:8002); then, in another terminal:"
	@echo "  make udp-client    the UDP client; Ctrl-D ends it"
	@echo "  make room-server   a chat room for many (127.0.0.1:8003)"
	@echo "  make room-client   join it: make room-client ARGS=\"--nick 高望\""
	@echo "  make room-cluster  one room on three servers (8003, 8013, 8023) through Redis"
	@echo "  make demo          a paced conversation, both sides shown (demo-udp: the UDP one)"
	@echo "  make capture       one conversation under tcpdump, each segment named (root)"
	@echo "  make lab           the live ladder in the browser: http://127.0.0.1:8080 (--udp)"
	@echo "  make frame-server  粘包: each read and the messages found in it (127.0.0.1:8004)"
	@echo "  make frame-client  send stdin's lines as framed messages: ARGS=\"--frame length\""
	@echo "  make capture-frame three framed messages in one segment, under tcpdump (root)"
	@echo "  make capture-loss  TCP and UDP through a lossy network, in namespaces (root)"
	@echo ""
	@echo "  make check         hold your own chat program to the article's conversation:"
	@echo "                    make check ARGS=\"tcp-server -- python3 tcp_server.py\""
	@echo ""
	@echo "  make test          every test (make test ARGS=room: only files named room)"
	@echo "  make ci            typecheck, lint and the tests under coverage, as CI runs them"
	@echo "  make bench         the benchmarks, into docs/benchmarks.md"
	@echo "  make docs          regenerate the captures and the demo shown in docs/"
	@echo ""
	@echo "Flags go through ARGS:  make tcp-server ARGS=\"--port 9000 --trace\""

# What chat needs: the built scripts. tools/build.mjs installs the stripper if this Node
# has none (tools/deps.mjs chat), and waits if another make is installing it. It writes the
# stamp itself: run as root in someone else's clone, it gives what it wrote back to them.
TOOLS := tools/build.mjs tools/deps.mjs tools/owner.mjs
chat: $(BUILD)/.chat
$(BUILD)/.chat: $(CHAT_SOURCES) $(TOOLS)
	@$(NODE) --no-warnings tools/build.mjs --stamp .chat tcp udp shared

# The toolkit for tests, lint and docs (npm ci), installed once by tools/deps.mjs.
deps: $(STAMP)
$(STAMP): package.json package-lock.json
	@$(NODE) --no-warnings tools/deps.mjs dev

$(BUILD)/.dev: $(CHAT_SOURCES) $(DEV_SOURCES) $(TOOLS) $(STAMP)
	@$(NODE) --no-warnings tools/build.mjs --stamp .dev tcp udp shared $(DEV_DIRS)

# The four mirrors and the room. `exec` makes the script make's own child, so a SIGTERM
# sent to make reaches it (a shell in between would die and leave the script running).
tcp-server: $(BUILD)/.chat
	@$(CHAT)/tcp/server.js $(ARGS)
tcp-client: $(BUILD)/.chat
	@$(CHAT)/tcp/client.js $(ARGS)
udp-server: $(BUILD)/.chat
	@$(CHAT)/udp/server.js $(ARGS)
udp-client: $(BUILD)/.chat
	@$(CHAT)/udp/client.js $(ARGS)
room-server: $(BUILD)/.chat
	@$(CHAT)/tcp/room-server.js $(ARGS)
room-client: $(BUILD)/.chat
	@$(CHAT)/tcp/room-client.js $(ARGS)
# One room on three servers through a Redis of its own (docs/25-many-servers.md); Ctrl-C ends all.
# (Not a deno task: it starts node and redis-server, and --redis runs on Node only.)
room-cluster: $(BUILD)/.chat
	@$(RUN)/tcp/room/cluster.js $(ARGS)
# The framing lesson's pair (docs/15-framing.md): messages found in a byte stream.
frame-server: $(BUILD)/.chat
	@$(CHAT)/tcp/frame-server.js $(ARGS)
frame-client: $(BUILD)/.chat
	@$(CHAT)/tcp/frame-client.js $(ARGS)

# Lessons you can run (docs/): a real capture of one conversation, and a paced demo.
capture: $(BUILD)/.dev
	@$(RUN)/docs/tools/capture.js $(ARGS)
capture-udp: $(BUILD)/.dev
	@$(RUN)/docs/tools/capture.js --udp $(ARGS)
demo: $(BUILD)/.dev
	@$(RUN)/docs/tools/demo.js $(ARGS)
demo-udp: $(BUILD)/.dev
	@$(RUN)/docs/tools/demo.js --udp $(ARGS)
capture-frame: $(BUILD)/.dev
	@$(RUN)/docs/tools/capture.js --frame $(ARGS)
# TCP and UDP through a network that loses packets: private network namespaces (root).
capture-loss: $(BUILD)/.dev
	@$(RUN)/docs/tools/loss.js $(ARGS)

# The lab: the two scripts of a conversation and the ladder between them, live in the
# browser. Like chatting, it needs no npm package: only the scripts and the lab, built.
$(BUILD)/.lab: $(CHAT_SOURCES) $(LAB_SOURCES) $(TOOLS)
	@$(NODE) --no-warnings tools/build.mjs --stamp .lab tcp udp shared lab
lab: $(BUILD)/.lab
	@$(RUN)/lab/main.js $(ARGS)

# make check: any chat program (yours, the article's, the mirrors) held to the article's
# conversation and its pitfalls (check/). Like chatting, it needs no npm package.
CHECK_SOURCES := $(wildcard harness/*.ts check/*.ts check/*/*.ts)
$(BUILD)/.check: $(CHAT_SOURCES) $(CHECK_SOURCES) $(TOOLS)
	@$(NODE) --no-warnings tools/build.mjs --stamp .check tcp udp shared harness check
check: $(BUILD)/.check
	@$(RUN)/check/main.js $(ARGS)

# Rewrite the blocks of docs/ that show real output (captures need root and tcpdump).
docs: $(BUILD)/.dev
	@$(RUN)/docs/tools/refresh.js $(ARGS)

test: $(BUILD)/.dev
	@$(RUN)/tests/run.js $(ARGS)

# Coverage of tcp/, udp/ and shared/ over the whole suite, spawned scripts included. c8 keeps
# its data in coverage/: run as root in someone else's clone, it is given back to them.
coverage: $(BUILD)/.dev
	@$(NODE) node_modules/c8/bin/c8.js $(NODE) $(BUILD)/tests/run.js --all $(ARGS); status=$$?; \
	$(NODE) tools/owner.mjs coverage; exit $$status

typecheck: $(STAMP)
	node_modules/.bin/tsc --noEmit -p .

lint: $(STAMP)
	node_modules/.bin/biome ci --colors=off .

ci: typecheck lint coverage

# Other runtimes, from the npm registry into an ignored cache, not into the project:
# the oldest Node that `engines` allows, the newest 20, 22 and 24, and Deno 2. It says what
# it downloads and how big before, and how to use them after (tools/runtimes.mjs).
RUNTIMES := .cache/runtimes
runtimes: $(RUNTIMES)/.installed
$(RUNTIMES)/.installed: tools/runtimes.json tools/runtimes.mjs
	@$(NODE) --no-warnings tools/runtimes.mjs

# The transcript tests with the .ts files launched by each runtime itself, and the deno tasks
# (tests/run.js --runtimes). Deno runs the scripts with the network alone. Deno 2 lets a script read /proc (the kernel's
# tables of sockets, which the scripts read as ss does) only with --allow-all: /proc is denied
# up front instead, so that Deno never stops at a permission prompt, and the scripts say what
# they cannot see.
DENO_RUN := run --allow-net --deny-read=/proc
test-runtimes: $(BUILD)/.dev $(RUNTIMES)/.installed
	@$(RUN)/tests/run.js --runtimes $(ARGS)

# Benchmarks: measured side by side in one run, written to docs/benchmarks.md.
bench: $(BUILD)/.dev $(RUNTIMES)/.installed
	@DENO_NO_UPDATE_CHECK=1 $(RUN)/bench/run.js $(ARGS)
