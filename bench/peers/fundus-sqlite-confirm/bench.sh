#!/usr/bin/env bash
# fundus-confirm/bench.sh with Fundus on its embedded SQLite (its default engine): the file
# $WORK/fundus-sqlite-confirm/fundus.db, 127.0.0.1:17083 (FUNDUS_SQLITE_CONFIRM_PORT).
FUNDUS_PEER=fundus-sqlite-confirm exec "$(dirname "$0")/../fundus-confirm/bench.sh" "$@"
