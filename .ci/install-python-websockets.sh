#!/bin/sh
# Python's websockets (Debian python3-websockets) for DeflatePythonInteropTest (RFC 7692 interop).
# Idempotent: does nothing when /usr/bin/python3 can already import it.
set -eu
if /usr/bin/python3 -c 'import websockets' 2>/dev/null; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-websockets
/usr/bin/python3 -c 'import websockets; print("python3-websockets", websockets.__version__)'
