#!/usr/bin/env bash
# The README's first command: a review box of the sample stack on this machine, proven end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run build --silent

prefix=.unibox/review/local
offset=${UNIBOX_DEMO_PORT_OFFSET:-10000}
unibox() { node bin/unibox.js "$@"; }

echo "== unibox validate"
unibox validate
echo
echo "== unibox plan (review box)"
unibox plan --tags-file examples/tags/review.json --port-offset "$offset" --prefix "$prefix"
echo
echo "== unibox plan (production box of api.web on a 4-vCPU instance)"
unibox plan --tags-file examples/tags/production-api-web.json --cpus 4
echo
echo "== unibox image build: every repo at its commit, built, with the runtime and unibox, sealed with provenance"
unibox image build
image=$(unibox image build --json | node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8")).id)')
echo
echo "== unibox boot --image $image: the whole stack from the image, supervised by runit, under $prefix"
mkdir -p "$prefix" && chmod 755 .unibox .unibox/review "$prefix"   # postgres and www-data reach their state dirs
unibox boot --image "$image" --tags-file examples/tags/review.json --port-offset "$offset" --prefix "$prefix" --wait 120
echo
unibox status --prefix "$prefix"

url="http://127.0.0.1:$((8080 + offset))"
echo
echo "== a job round trip through the router: POST $url/jobs -> redis -> worker -> postgres"
id=$(curl -fsS -X POST "$url/jobs" -d '{"hello":"review box"}' | sed -E 's/.*"id":"([^"]+)".*/\1/')
for _ in $(seq 1 100); do
  job=$(curl -fsS "$url/jobs/$id")
  case $job in *'"status":"done"'*) break ;; esac
  sleep 0.1
done
echo "$job"
case $job in *'"status":"done"'*) ;; *) echo "the job was not done within 10 s" >&2; exit 1 ;; esac

health="http://127.0.0.1:$((9100 + offset))/health"
echo
echo "== the box's health endpoint (unibox.status), what a load balancer checks: GET $health"
curl -sS -w ' (HTTP %{http_code})\n' "$health"

cat <<DONE

The review box is up, from image $image: $url
  images:   npx unibox image ls      verify: npx unibox image verify $image
  health:   $health
  status:   npx unibox status --prefix $prefix
  restart:  npx unibox restart api.web --prefix $prefix     (one replica at a time, no request lost)
  logs:     $prefix/var/log/unibox/<instance>/current
  take it down (as new):  npx unibox down --reset --prefix $prefix
DONE
