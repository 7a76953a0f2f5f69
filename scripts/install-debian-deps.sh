#!/usr/bin/env bash
# Install the Debian packages listed in scripts/debian-packages.txt (root only).
# Daemons among them (miniupnpd, dovecot, postfix, rspamd) must never start on the host:
# a stray UPnP daemon on an office LAN is a security hole, and a system
# Dovecot/Postfix would hold ports 25/110/143. The tests start their own
# instances on their own ports, so service starts are blocked during the
# install (policy-rc.d exit 101) and disabled afterwards where systemd runs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
list=${1:-$here/debian-packages.txt}
mapfile -t pkgs < <(grep -v '^\s*#' "$list" | grep -v '^\s*$')

if [[ $EUID -ne 0 ]]; then
    echo "install-debian-deps: not root, skipping (${pkgs[*]}); lab tests will be skipped" >&2
    exit 0
fi
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
    exit 0
fi
echo "install-debian-deps: installing ${missing[*]}" >&2
policy=/usr/sbin/policy-rc.d
had_policy=0
[[ -e $policy ]] && had_policy=1 && cp -p "$policy" "$policy.pmemail-saved"
printf '#!/bin/sh\nexit 101\n' >"$policy"
chmod 755 "$policy"
restore() {
    if [[ $had_policy == 1 ]]; then mv -f "$policy.pmemail-saved" "$policy"; else rm -f "$policy"; fi
}
trap restore EXIT
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends "${missing[@]}" >/tmp/pmemail-apt.log 2>&1; then
    apt-get update >/dev/null
    apt-get install -y --no-install-recommends "${missing[@]}" >/tmp/pmemail-apt.log 2>&1 || {
        tail -20 /tmp/pmemail-apt.log >&2; exit 1; }
fi
if [[ -d /run/systemd/system ]]; then
    for unit in miniupnpd dovecot postfix rspamd; do
        systemctl disable --now "$unit" >/dev/null 2>&1 || true
    done
fi
