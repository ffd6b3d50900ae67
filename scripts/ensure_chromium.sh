#!/bin/sh
# Make sure Debian's chromium (and CJK fonts for the zh_CN screenshots) is
# installed for the browser tests; Playwright drives it with executable_path
# and never downloads a browser of its own.
set -e
if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi 'Noto Sans CJK'; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "chromium is missing: apt-get install chromium fonts-noto-cjk" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q chromium fonts-noto-cjk >/dev/null 2>&1 || {
    apt-get update -q
    apt-get install -y -q chromium fonts-noto-cjk
}
