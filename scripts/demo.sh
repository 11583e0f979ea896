#!/usr/bin/env bash
# The README's first command: the whole life of the sample stack on this machine, proven end to end:
# image build -> a review box -> a job through it -> a second box -> promote it -> a production box from the
# promoted image, running exactly the reviewed commit -> everything down.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run build --silent

unibox() { node bin/unibox.js "$@"; }
field() { node -e 'let d=JSON.parse(require("fs").readFileSync(0,"utf8"));for(const k of process.argv[1].split("."))d=d[k];process.stdout.write(String(d))' "$1"; }
prod=.unibox/boxes/production-api-web
envdir=.unibox/boxes/production-env

# Whatever happens, nothing is left running (UNIBOX_DEMO_KEEP=1 keeps the boxes up to play with).
cleanup() {
  [ "${UNIBOX_DEMO_KEEP:-}" = 1 ] && return
  echo
  echo "== everything down"
  for box in qa main; do unibox review down "$box" >/dev/null 2>&1 && echo "review box $box: down and removed" || true; done
  unibox down --reset --prefix "$prod" >/dev/null 2>&1 && echo "production box $prod: down" || true
}
trap cleanup EXIT

echo "== unibox validate"
unibox validate
echo
echo "== unibox plan (production box of api.web on a 4-vCPU instance)"
unibox plan --tags-file examples/tags/production-api-web.json --cpus 4
echo
echo "== unibox image build: every repo at its commit, built, with the runtime and unibox, sealed with provenance"
unibox image build
image=$(unibox image build --json | field id)
echo
echo "== unibox review up --name main: the whole stack from image $image, its own prefix, ports and runsvdir"
for box in qa main; do unibox review down "$box" >/dev/null 2>&1 || true; done   # a demo run killed earlier
main=$(unibox review up --name main --image "$image" --ttl 1h --json)
url=$(printf '%s' "$main" | field boxes.0.url)
echo "review box main is healthy: $url"

echo
echo "== a job round trip through main's router: POST ${url}jobs -> redis -> worker -> postgres"
id=$(curl -fsS -X POST "${url}jobs" -d '{"hello":"review box"}' | sed -E 's/.*"id":"([^"]+)".*/\1/')
for _ in $(seq 1 100); do
  job=$(curl -fsS "${url}jobs/$id")
  case $job in *'"status":"done"'*) break ;; esac
  sleep 0.1
done
echo "$job"
case $job in *'"status":"done"'*) ;; *) echo "the job was not done within 10 s" >&2; exit 1 ;; esac

echo
echo "== unibox review up --name qa: a second box side by side (its own databases, ports and logs)"
unibox review up --name qa --image "$image" --ttl 1h
echo
unibox review ls

echo
echo "== unibox promote qa: healthy -> stopped gracefully and reset -> a new image with provenance"
promoted=$(unibox promote qa --json)
pid=$(printf '%s' "$promoted" | field id)
printf '%s\n' "$promoted"
echo
unibox image verify "$pid"

echo
echo "== a production box of api.web from the promoted image $pid"
# No managed database here: main's postgres and redis stand in for them, through the box's own env layer
# (--env-dir: what a production box must not have baked: endpoints, secrets).
ports() { node -e 'const p=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).plan.templateContext.ports;process.stdout.write(`${p.postgres.main} ${p.redis.main}`)' "$1"; }
set -- $(ports .unibox/review/main/root/etc/unibox/plan.json); pg=$1 redis=$2
mkdir -p "$envdir" && chmod 700 "$envdir"
printf 'postgres://api@127.0.0.1:%s/api\n' "$pg" > "$envdir/DATABASE_URL"
printf 'redis://127.0.0.1:%s/0\n' "$redis" > "$envdir/REDIS_URL"
chmod 600 "$envdir"/*
mkdir -p "$prod" && chmod 755 .unibox/boxes "$prod"
unibox boot --image "$pid" --tags-file examples/tags/production-api-web.json --env-dir "$envdir" --cpus 2 --port-offset 20000 --prefix "$prod" --wait 120
echo
unibox status --prefix "$prod"
reviewed=$(printf '%s' "$promoted" | field repos.api)
running=$(field repos.api.commit < "$prod/opt/unibox/manifest.json")
echo
echo "api commit reviewed on qa:        $reviewed"
echo "api commit the production box runs: $running"
[ "$reviewed" = "$running" ] || { echo "the production box does not run the reviewed commit" >&2; exit 1; }
echo "GET /health of api.web.0 (it checks postgres and redis): $(curl -fsS http://127.0.0.1:23000/health)"
echo
unibox fleet ls
