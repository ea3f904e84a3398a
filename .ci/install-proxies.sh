#!/usr/bin/env bash
# Installs the RFC 8441 intermediaries that h1-fallback's io.h2ws.proxy tests run as child
# processes: nghttpx (Debian package nghttp2-proxy) and HAProxy (Debian package haproxy).
# Idempotent: does nothing when both programs are already on PATH (or in /usr/sbin).
# The tests skip themselves with a message when a program is missing, so a failed install
# is reported here and does not stop CI.
set -uo pipefail
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; }
if have nghttpx && have haproxy; then
  echo "install-proxies: nghttpx and haproxy already installed"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-proxies: no apt-get; the proxy interop tests will be skipped"
  exit 0
fi
if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nghttp2-proxy haproxy >/dev/null; then
  # the packages enable system services; the tests start their own processes on free ports
  echo "install-proxies: installed $(/usr/sbin/nghttpx --version 2>/dev/null | head -1), $(/usr/sbin/haproxy -v 2>/dev/null | head -1)"
else
  echo "install-proxies: could not install nghttp2-proxy and haproxy; the proxy interop tests will be skipped"
fi
exit 0
