#!/usr/bin/env bash
# Make sure PostgreSQL and Redis answer on localhost (start them if they do not).
set -euo pipefail
pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
if ! pg_up; then
  echo "[services] starting PostgreSQL"
  for version in $(ls /etc/postgresql 2>/dev/null); do
    pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
  done
  for _ in $(seq 1 60); do pg_up && break; sleep 0.5; done
  pg_up || { echo "[services] PostgreSQL does not start; see /var/log/postgresql" >&2; exit 1; }
fi
# Tests connect as postgres over TCP without a password (trust on localhost).
if ! psql -h 127.0.0.1 -U postgres -tAc 'select 1' >/dev/null 2>&1; then
  echo "[services] allowing local trust login for the test user postgres"
  HBA="$(su postgres -c "psql -tAc 'show hba_file'")"
  sed -i '1i host all postgres 127.0.0.1/32 trust' "$HBA"
  su postgres -c "psql -tAc 'select pg_reload_conf()'" >/dev/null
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "[services] starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 40); do redis-cli ping >/dev/null 2>&1 && break; sleep 0.25; done
  redis-cli ping >/dev/null || { echo "[services] Redis does not start" >&2; exit 1; }
fi
echo "[services] PostgreSQL and Redis are up"
