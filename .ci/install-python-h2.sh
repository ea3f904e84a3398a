#!/bin/sh
# Python's hyper-h2 (Debian python3-h2) for HyperH2InteropTest (RFC 8441 interop).
# Idempotent: does nothing when /usr/bin/python3 can already import it.
set -eu
if /usr/bin/python3 -c 'import h2.connection' 2>/dev/null; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-h2
/usr/bin/python3 -c 'import h2; print("python3-h2", h2.__version__)'
