#!/usr/bin/env bash
# What `h2ws lab` and ImpairerTest need beyond a JDK (issue 21): iproute2 (namespaces, tc tbf),
# nftables (loss) and gcc with the C headers (the TUN delay line). Both skip themselves with the
# list of what is missing where this cannot install it (not root, no apt-get).
set -u
need=()
command -v ip >/dev/null 2>&1 && command -v tc >/dev/null 2>&1 || need+=(iproute2)
command -v nft >/dev/null 2>&1 || need+=(nftables)
command -v gcc >/dev/null 2>&1 || need+=(gcc libc6-dev)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ci: cannot install ${need[*]} (not root, or no apt-get)"
  exit 1
fi
apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
