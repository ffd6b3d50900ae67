#!/bin/sh
# Make sure a PostgreSQL server answers on 127.0.0.1:5432 (or the host of
# TRYTOND_DATABASE_URI): start the installed cluster, or install one with apt
# when running as root on a machine without it.
set -e
host=127.0.0.1
port=5432
if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h "$host" -p "$port"; then
    exit 0
fi
if [ -n "$TRYTOND_DATABASE_URI" ]; then
    echo "PostgreSQL at TRYTOND_DATABASE_URI is used as is" >&2
    exit 0
fi
if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    if [ "$(id -u)" != 0 ]; then
        echo "PostgreSQL is missing: install it or set TRYTOND_DATABASE_URI" >&2
        exit 1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql
fi
version=$(ls /etc/postgresql | sort -n | tail -n 1)
conf=/etc/postgresql/$version/main
# Tests connect as postgres over TCP without a password
if ! grep -q '^host all all 127.0.0.1/32 trust' "$conf/pg_hba.conf"; then
    sed -i '1i host all all 127.0.0.1/32 trust' "$conf/pg_hba.conf"
fi
pg_ctlcluster --skip-systemctl-redirect "$version" main start || \
    pg_ctlcluster "$version" main start
for _ in $(seq 30); do
    pg_isready -q -h "$host" -p "$port" && exit 0
    sleep 1
done
echo "PostgreSQL did not start" >&2
exit 1
