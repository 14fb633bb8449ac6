#!/bin/sh
# tcp-udp-chat: install the Node dependencies once, safely, however many makes ask at once.
# Run:  sh tools/deps.sh chat    what running the chat scripts needs: `npm ci --omit=dev`
#                                (amaro, the type stripper, for a Node that has none)
#       sh tools/deps.sh dev     everything the tests, lint and docs need: `npm ci`
# make calls it for you. One make installs; any other started meanwhile waits for it,
# says so in one line on stderr, then goes on. The install happens in a staging folder
# and is moved into node_modules only when it is complete, and the stamp that says
# "installed" is written last: an install cut short (Ctrl-C, network down) leaves nothing
# that the next run trusts.
set -u
cd "$(dirname "$0")/.." || exit 1

profile=${1:-dev}
case $profile in
  chat) flags="--omit=dev" stamp=node_modules/.installed-chat what="the type stripper the chat scripts need on Node $(node --version 2>/dev/null)" ;;
  dev) flags="" stamp=node_modules/.installed what="the Node dependencies for tests, lint and docs" ;;
  *) echo "usage: tools/deps.sh chat|dev" >&2; exit 2 ;;
esac

# Whether the stamp is there and newer than what it was installed from. A full install
# also serves the chat scripts.
fresh() {
  for s in "$stamp" node_modules/.installed; do
    if [ -f "$s" ] && [ "$s" -nt package.json ] && [ "$s" -nt package-lock.json ]; then return 0; fi
  done
  return 1
}
fresh && exit 0

mkdir -p .cache
lock=.cache/install.lock # a symbolic link to the installer's pid: made atomically, or not at all
waited=""
until ln -s "$$" "$lock" 2>/dev/null; do
  holder=$(readlink "$lock" 2>/dev/null)
  if [ -n "$holder" ] && ! kill -0 "$holder" 2>/dev/null && [ ! -d "/proc/$holder" ]; then
    rm -f "$lock" # its installer died without cleaning up (kill -9, power cut)
    continue
  fi
  if [ -z "$waited" ]; then
    echo "waiting for another make (pid $holder) to finish installing $what..." >&2
    waited=yes
  fi
  sleep 0.2
done

stage=""
cleanup() {
  [ -n "$stage" ] && rm -rf "$stage"
  rm -f "$lock"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fresh && exit 0 # the make we waited for has installed it
rm -rf .cache/install-stage.* # left by an install that was cut short

if ! command -v npm >/dev/null 2>&1; then
  echo "cannot install $what: npm is not installed (it comes with Node: https://nodejs.org)" >&2
  exit 1
fi
echo "installing $what (npm ci $flags)..." >&2
stage=$(mktemp -d .cache/install-stage.XXXXXX) || exit 1
cp package.json package-lock.json "$stage/"
# Retries kept short: a class waiting on an unreachable registry hears so in seconds, not minutes.
retries="--fetch-retries=2 --fetch-retry-mintimeout=2000 --fetch-retry-maxtimeout=8000"
# shellcheck disable=SC2086 # $flags and $retries are words
if ! (cd "$stage" && npm ci $flags $retries --no-audit --no-fund --loglevel=error >&2); then
  echo "cannot install $what: npm ci failed (its message is above; is the npm registry reachable?)." >&2
  echo "Nothing was changed. To chat with no install at all, use Node >= 22.18, which strips the types itself: node tcp/server.ts" >&2
  exit 1
fi
rm -f node_modules/.installed node_modules/.installed-chat # from here on, nothing is trusted until the stamp
if [ -e node_modules ]; then mv node_modules "$stage/old"; fi
mv "$stage/node_modules" node_modules
touch "$stamp"
