#!/bin/sh
# Install sao, the Tryton web client, into var/sao/package for trytond's
# [web] root (see tryton.conf).  Called by `make sao`.
#
# The package comes from the npm registry, pinned to the 8.0 series like
# trytond.  Its runtime dependencies must be installed with
# --omit=dev --legacy-peer-deps: a plain `npm install` pulls the test tool
# chain (qunit, puppeteer...) and fails on its peer dependencies.
#
# Then the product's files are added (also alone with --custom, when only
# they changed): sao asks for custom.js, custom.css, locale/<language>.json
# and browsers for favicon.ico; trytond answers a file missing from its web
# root with 405, so each one must exist:
# - custom.css, custom.js and favicon.ico from scripts/sao/;
# - an empty catalogue for English, sao's own language (it asks en_US.json,
#   then en.json).
set -eu

cd "$(dirname "$0")/.."
DEST=var/sao
SERIES="${SAO_SERIES:->=8.0 <8.1}"
TMP=var/sao.tmp

customise() {
    package="$1/package"
    cp scripts/sao/custom.css scripts/sao/custom.js scripts/sao/favicon.ico \
        "$package/"
    for lang in en en_US en_GB; do
        printf '{"": {"language": "%s", "plural-forms": "nplurals=2; plural=(n!=1);"}}\n' \
            "$lang" > "$package/locale/$lang.json"
    done
}

if [ "${1:-}" = "--custom" ]; then
    test -f "$DEST/package/dist/tryton-sao.js" || {
        echo "sao is not installed in $DEST: run $0" >&2; exit 1; }
    customise "$DEST"
    echo "sao customised in $DEST"
    exit 0
fi

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
customise "$TMP"
rm -rf "$DEST"
mv "$TMP" "$DEST"
version=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$DEST/package/package.json")
echo "sao $version installed in $DEST/package"
