#!/bin/sh
# Install sao, the Tryton web client, into var/sao/package for trytond's
# [web] root (see tryton.conf).  Called by `make sao`.
#
# The package comes from the npm registry, pinned to the 8.0 series like
# trytond.  Its runtime dependencies must be installed with
# --omit=dev --legacy-peer-deps: a plain `npm install` pulls the test tool
# chain (qunit, puppeteer...) and fails on its peer dependencies.
set -eu

cd "$(dirname "$0")/.."
DEST=var/sao
SERIES="${SAO_SERIES:->=8.0 <8.1}"
TMP=var/sao.tmp

rm -rf "$TMP"
mkdir -p "$TMP"
(
    cd "$TMP"
    tarball=$(npm pack --silent "tryton-sao@$SERIES" | tail -n 1)
    tar -xzf "$tarball"
    rm -f "$tarball"
    cd package
    npm install --omit=dev --legacy-peer-deps --no-audit --no-fund \
        --loglevel=error
    test -f dist/tryton-sao.js
    test -f node_modules/jquery/dist/jquery.js
)
rm -rf "$DEST"
mv "$TMP" "$DEST"
version=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$DEST/package/package.json")
echo "sao $version installed in $DEST/package"
