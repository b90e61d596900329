#!/bin/sh
# pg-server.sh - a throwaway PostgreSQL for the tests (issue 19).
#
#   pg-server.sh start DIR   initdb into DIR/data, start the server listening
#                            only on a Unix socket in DIR (listen_addresses=''),
#                            print the connection string of an empty database
#   pg-server.sh stop DIR    stop the server and remove DIR
#   pg-server.sh newdb DIR NAME  create the empty database NAME, print its
#                            connection string (exit 77 when no server runs in DIR)
#
# PostgreSQL refuses to run as root: when started as root, the server runs as
# `nobody` (DIR is given to it); otherwise as the calling user.  Nothing is
# installed as a service and nothing listens on TCP.  Exit 77 (the suite's
# "skipped") when PostgreSQL 15 is not installed.
set -eu
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: pg-server.sh start|stop DIR | newdb DIR NAME" >&2; exit 2; }

as_owner() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u nobody -- "$@"
	else
		"$@"
	fi
}

case $cmd in
start)
	[ -x "$PGBIN/initdb" ] || { echo "pg-server.sh: no PostgreSQL in $PGBIN" >&2; exit 77; }
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	# a socket path must stay under 107 bytes
	[ ${#dir} -lt 80 ] || { echo "pg-server.sh: $dir is too long for a socket path" >&2; exit 2; }
	chmod 700 "$dir"
	if [ "$(id -u)" = 0 ]; then
		chown nobody "$dir"
		# nobody must be able to reach DIR: its parents need search rights
		p=$(dirname "$dir")
		while [ "$p" != / ]; do
			[ -x "$p" ] || chmod o+x "$p" 2>/dev/null || true
			p=$(dirname "$p")
		done
	fi
	as_owner "$PGBIN/initdb" -D "$dir/data" -U fortress -A trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; exit 1; }
	as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		-o "-c listen_addresses='' -c unix_socket_directories='$dir' -c fsync=off -c max_connections=40" start >/dev/null ||
		{ cat "$dir/server.log" >&2; exit 1; }
	echo "postgresql:///postgres?host=$dir&user=fortress"
	;;
newdb)
	name=${3:?usage: pg-server.sh newdb DIR NAME}
	[ -f "$dir/data/postmaster.pid" ] || { echo "pg-server.sh: no server in $dir" >&2; exit 77; }
	as_owner "$PGBIN/createdb" -h "$dir" -U fortress "$name" >&2
	echo "postgresql:///$name?host=$dir&user=fortress"
	;;
stop)
	if [ -f "$dir/data/postmaster.pid" ]; then
		as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
	;;
*)
	echo "usage: pg-server.sh start|stop DIR | newdb DIR NAME" >&2
	exit 2
	;;
esac
