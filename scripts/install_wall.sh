#!/bin/sh
# Install the charting library of the wall screen (ECharts, Apache-2.0) from
# the npm registry into addons/appliance_analytics/wall/node_modules, where
# trytond serves it to the page (no CDN).  Called by `make wall`; the
# version is pinned by the package-lock.json beside the package.json.
set -eu

cd "$(dirname "$0")/../addons/appliance_analytics/wall"
npm ci --omit=dev --no-audit --no-fund --loglevel=error
test -f node_modules/echarts/dist/echarts.min.js
echo "echarts $(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' \
    node_modules/echarts/package.json | head -n 1) installed in $(pwd)/node_modules"
