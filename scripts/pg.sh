#!/usr/bin/env bash
# The project-local PostgreSQL cluster, used when DATABASE_URL is unset.
#   scripts/pg.sh start [DB...]  initdb on first use, start when not running, create the databases
#   scripts/pg.sh stop           stop it (make stop)
#   scripts/pg.sh url DB         the URL of database DB
#
# PG_CLUSTER=NAME selects a second cluster beside the first (its own data folder, socket
# and log): the fault tests stop and start theirs without touching the one other tests use.
#
# The cluster lives in .data/postgres and listens only on a unix socket in .data/run (no TCP
# port, so it never clashes with another PostgreSQL). As root it runs as the `postgres` OS
# user, since initdb refuses root; when that user cannot reach the checkout (a home folder
# with mode 700, say) or the socket path would be too long, the cluster lives in
# /var/tmp/canvass-<hash of the checkout's path> instead, and .data/ holds a link to it.
. "$(dirname "$0")/lib.sh"

bindir() {
  local d
  if command -v pg_config >/dev/null && d=$(pg_config --bindir 2>/dev/null) && [ -x "$d/initdb" ]; then
    echo "$d"; return 0
  fi
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  return 1
}

ensure_binaries() {
  BIN=$(bindir) && return
  if is_root; then
    say "installing Debian's postgresql"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    BIN=$(bindir) || die "postgresql installed but initdb not found"
  else
    die "PostgreSQL is not installed. Run: sudo apt-get install -y postgresql (or set DATABASE_URL)"
  fi
}

# As root the server runs as `postgres`; otherwise as the calling user.
# From /: the calling directory may be one the postgres user cannot enter (all paths are absolute).
as_owner() { if is_root; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }

choose_base() {
  local local_base="$ROOT/.data"
  local hash; hash=$(printf '%s' "$ROOT" | sha1sum | cut -c1-12)
  local alt_base="/var/tmp/canvass-$hash"
  local suffix=${PG_CLUSTER:+-$PG_CLUSTER}
  BASE=$local_base
  if is_root && ! as_owner test -x "$ROOT"; then BASE=$alt_base; fi
  # unix socket paths are limited to 107 bytes.
  if [ $(( ${#BASE} + ${#suffix} + 22 )) -gt 100 ]; then BASE=$alt_base; fi
  DATA="$BASE/postgres$suffix"; SOCK="$BASE/run$suffix"; LOG="$BASE/log/postgres$suffix.log"
  LOCK="$ROOT/.data/pg$suffix.lock"
}

url() { printf 'postgres://postgres@localhost/%s?host=%s\n' "$1" "$SOCK"; }

running() { [ -f "$DATA/PG_VERSION" ] && as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

start() {
  mkdir -p "$ROOT/.data"
  # make run and make test may start it at once. The server must not inherit the lock (9>&- below).
  exec 9>"$LOCK"; flock 9
  mkdir -p "$BASE/log" "$SOCK"
  is_root && chown postgres: "$BASE" "$BASE/log" "$SOCK"
  if [ "$BASE" != "$ROOT/.data" ]; then ln -sfn "$BASE" "$ROOT/.data/cluster"; fi
  if [ ! -f "$DATA/PG_VERSION" ]; then
    say "creating the project-local PostgreSQL cluster in $DATA"
    as_owner mkdir -p "$DATA"
    as_owner "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if ! running; then
    say "starting PostgreSQL (socket in $SOCK)"
    as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 \
      -o "-c listen_addresses='' -k '$SOCK' -c max_connections=250 -c shared_buffers=256MB" start >/dev/null 9>&- \
      || { tail -n 20 "$LOG" >&2; die "PostgreSQL did not start; the log is $LOG"; }
  fi
  local db
  for db in "$@"; do
    if [ -z "$("$BIN/psql" -h "$SOCK" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
      "$BIN/createdb" -h "$SOCK" -U postgres "$db"
    fi
  done
}

stop() {
  if running; then
    say "stopping PostgreSQL"
    as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
  else
    say "the project-local PostgreSQL is not running"
  fi
}

ensure_binaries
choose_base
case ${1:-} in
  start) shift; start "$@" ;;
  stop) stop ;;
  url) url "${2:?database name}" ;;
  *) die "usage: $0 start [DB...] | stop | url DB" ;;
esac
