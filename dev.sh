#!/usr/bin/env bash
# pmemail developer entry point: bash dev.sh run | test | check | screenshots | bench NAME | lock
#   run          set up .venv and open the app on its embedded defaults
#   test         install test dependencies (Debian packages when root), then
#                ruff, mypy and the whole pytest suite
#   check        ruff (lint + format), the import layers contract, mypy
#   screenshots  regenerate screenshots/{en,fr}/ from the real app (root: in the router lab)
#   bench NAME   run bench/NAME/run.py (smtp, imap, bigmail, webmail, tui, doctor)
#   lock         rewrite requirements*.lock from pyproject.toml (uv; add --upgrade to move)
set -euo pipefail
cd "$(dirname "$0")"
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}

venv() {  # venv [extras]: create .venv and install pmemail (editable) into it
    local extras=${1:-}
    if [[ ! -x $VENV/bin/python ]]; then
        if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
            # Debian splits ensurepip into python3-venv
            if [[ $EUID -eq 0 ]]; then
                apt-get install -y --no-install-recommends python3-venv >/dev/null 2>&1 ||
                    { apt-get update >/dev/null; apt-get install -y --no-install-recommends python3-venv >/dev/null; }
                rm -rf "$VENV"; "$PYTHON" -m venv "$VENV"
            else
                echo "dev.sh: '$PYTHON -m venv' failed: install python3-venv" >&2; exit 1
            fi
        fi
    fi
    # Exact versions from the lock (hashes checked), then pmemail itself without
    # resolving again: SVG snapshots and aiosmtpd internals depend on exact versions.
    local lock=requirements.lock
    [[ $extras == dev ]] && lock=requirements-dev.lock
    local stamp="$VENV/.installed${extras:+-$extras}"
    if [[ ! -f $stamp || pyproject.toml -nt $stamp || $lock -nt $stamp ]]; then
        # Offline, pip retries for about a minute and prints tracebacks: one short try,
        # then one line; a .venv installed before keeps working without the index.
        local quick=(--retries 1 --timeout 10 --disable-pip-version-check)
        "$VENV/bin/python" -m pip install -q "${quick[@]}" --upgrade pip >/dev/null 2>&1 || true
        if ! "$VENV/bin/python" -m pip install -q "${quick[@]}" --require-hashes -r "$lock" \
            2>"$VENV/pip-error.log"; then
            if ls "$VENV"/.installed* >/dev/null 2>&1; then
                echo "dev.sh: the package index is not reachable; using .venv as installed before" >&2
                return 0
            fi
            echo "dev.sh: the first run needs the package index once (pypi.org) to fill .venv;" \
                "after that pmemail works offline. pip said: $(tail -n 1 "$VENV/pip-error.log")" >&2
            exit 1
        fi
        "$VENV/bin/python" -m pip install -q "${quick[@]}" --no-deps -e .
        touch "$stamp"
    fi
}

lock() {  # write requirements.lock and requirements-dev.lock from pyproject.toml
    venv dev
    "$VENV/bin/python" -m pip install -q uv
    local common=(--generate-hashes --no-header --python-version 3.11
                  --python-platform x86_64-unknown-linux-gnu)
    "$VENV/bin/uv" pip compile pyproject.toml "${common[@]}" -o requirements.lock "$@"
    "$VENV/bin/uv" pip compile pyproject.toml --extra dev "${common[@]}" \
        -o requirements-dev.lock "$@"
}

check() {
    "$VENV/bin/ruff" check .
    "$VENV/bin/ruff" format --check .
    "$VENV/bin/lint-imports"  # the layers contract in pyproject.toml
    "$VENV/bin/mypy"
}

case ${1:-} in
    run)
        venv
        shift
        exec "$VENV/bin/pmemail" "$@" ;;
    test)
        shift
        bash scripts/install-debian-deps.sh
        venv dev
        check
        # As root the router lab must run: a skipped lab test is then a failure.
        if [[ $EUID -eq 0 ]]; then export PMEMAIL_REQUIRE_LAB=1; fi
        # pytest exits 5 when it collected no test: any non-zero code fails here.
        exec "$VENV/bin/python" -m pytest "$@" ;;
    check)
        venv dev
        check ;;
    screenshots)
        bash scripts/install-debian-deps.sh
        venv dev
        exec "$VENV/bin/python" screenshots/make_screenshots.py "${@:2}" ;;
    lock)
        shift
        lock "$@" ;;
    bench)
        name=${2:-}
        [[ -f bench/$name/run.py ]] || { echo "dev.sh bench: one of: $(ls bench | tr '\n' ' ')" >&2; exit 2; }
        bash scripts/install-debian-deps.sh
        venv dev
        exec "$VENV/bin/python" "bench/$name/run.py" "${@:3}" ;;
    *)
        sed -n '2,10p' "$0" >&2; exit 2 ;;
esac
