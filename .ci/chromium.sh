#!/usr/bin/env bash
# The digest's browser test needs Debian's Chromium; install it when missing (never a
# browser downloaded by a test tool). A failure here only skips that test, loudly.
set -u
if command -v chromium >/dev/null 2>&1; then exit 0; fi
echo "installing Debian's chromium for the browser tests"
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo -n"; fi
{ $SUDO apt-get install -y --no-install-recommends chromium \
  || { $SUDO apt-get update && $SUDO apt-get install -y --no-install-recommends chromium; }; } \
  >/tmp/ci-chromium.log 2>&1 \
  || echo "warning: could not install chromium (see /tmp/ci-chromium.log); the browser test will skip"
exit 0
