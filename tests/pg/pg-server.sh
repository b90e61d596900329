#!/bin/sh
# pg-server.sh - a throwaway PostgreSQL for the tests (issue 19).
#
#   pg-server.sh start DIR   initdb into DIR/data (a link to a directory on
#                            /dev/shm when that is a tmpfs with 2 GiB free;
#                            PG_TMPFS= to keep it in DIR), start the server
#                            listening only on a Unix socket in DIR
#                            (listen_addresses=''), print the connection
#                            string of an empty database
#   pg-server.sh stop DIR    stop the server and remove DIR (and its data)
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

# stop DIR's server if one runs, and remove DIR with its data
stop_and_remove() {
	if [ -f "$dir/data/postmaster.pid" ]; then
		as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	# the data directory on the tmpfs, when DIR/data links there
	if [ -L "$dir/data" ]; then
		shm=$(readlink "$dir/data")
		case $shm in */fortress-pg-data.*) rm -rf "$shm" ;; esac
	fi
	rm -rf "$dir"
}

case $cmd in
start)
	[ -x "$PGBIN/initdb" ] || { echo "pg-server.sh: no PostgreSQL in $PGBIN" >&2; exit 77; }
	# what an earlier run in this build folder left (a ctest killed before
	# its pg_server_stop, or `ctest --repeat`, which runs the fixture's
	# start again): its server stopped and its data removed, not an initdb
	# refused on a folder that is not empty
	[ ! -e "$dir" ] || stop_and_remove
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
	# The data directory on a tmpfs when there is one with room (PG_TMPFS,
	# /dev/shm; PG_TMPFS= keeps it in DIR), DIR/data a link to it: the
	# tests make and drop a database per script and per attack, and on a
	# disk shared with other work each CREATE / DROP DATABASE waited 1-3 s
	# on the file system (the server has fsync=off already).  Nothing here
	# needs to outlive the server.
	tmpfs=${PG_TMPFS-/dev/shm}
	if [ -n "$tmpfs" ] && [ ! -e "$dir/data" ] && [ "$(stat -f -c %T "$tmpfs" 2>/dev/null)" = tmpfs ] &&
		[ "$(df -Pk "$tmpfs" | awk 'NR == 2 {print $4}')" -gt 2097152 ] &&
		shm=$(mktemp -d "$tmpfs/fortress-pg-data.XXXXXX" 2>/dev/null); then
		chmod 700 "$shm"
		[ "$(id -u)" != 0 ] || chown nobody "$shm"
		ln -s "$shm" "$dir/data"
	fi
	as_owner "$PGBIN/initdb" -D "$dir/data" -U fortress -A trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; exit 1; }
	# max_connections: ctest -j3 runs several server tests at once, each with
	# its servers' connections, a psql session (serverkit) and CLI runs; 40
	# was too few ("sorry, too many clients already") once six server
	# modules ran on PostgreSQL
	as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		-o "-c listen_addresses='' -c unix_socket_directories='$dir' -c fsync=off -c max_connections=200" start >/dev/null ||
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
	stop_and_remove
	;;
*)
	echo "usage: pg-server.sh start|stop DIR | newdb DIR NAME" >&2
	exit 2
	;;
esac
