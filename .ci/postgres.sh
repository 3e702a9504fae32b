# Install (Debian's postgresql package) and start a PostgreSQL server listening on localhost
# only, with a role and database for the tests; exports NEURO_KV_POSTGRES_URL. Sourced by
# .ci/run; safe to source again on a machine where it already ran.
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
pg_version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | grep -q "^$pg_version main"; then
    as_root pg_createcluster "$pg_version" main >/dev/null
fi
as_root pg_conftool "$pg_version" main set listen_addresses localhost
if ! pg_lsclusters -h | grep -q "^$pg_version main .* online"; then
    as_root pg_ctlcluster "$pg_version" main start
fi
pg_port=$(pg_lsclusters -h | awk -v v="$pg_version" '$1 == v && $2 == "main" {print $3}')
pg_sql() { as_root runuser -u postgres -- psql -p "$pg_port" -qtAc "$1"; }
pg_sql "SELECT 1 FROM pg_roles WHERE rolname = 'neuro_kv'" | grep -q 1 \
    || pg_sql "CREATE ROLE neuro_kv LOGIN PASSWORD 'neuro_kv'"
pg_sql "SELECT 1 FROM pg_database WHERE datname = 'neuro_kv'" | grep -q 1 \
    || pg_sql "CREATE DATABASE neuro_kv OWNER neuro_kv"
export NEURO_KV_POSTGRES_URL="postgresql://neuro_kv:neuro_kv@localhost:$pg_port/neuro_kv"
