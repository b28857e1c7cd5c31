#!/usr/bin/env bash
# Builds citykit-core for wasm32-unknown-unknown (Debian's rustc-web with build-std), makes the
# JS glue with wasm-bindgen, shrinks it with wasm-opt, and runs the smoke test and the demo page's
# end-to-end test (tests/e2e.mjs) in headless Chromium.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
tools="${CITYKIT_TOOLS_DIR:-/var/cache/citykit-tools}"
build="${CITYKIT_BUILD_DIR:-/var/tmp/citykit-build}/wasm"
bash "$root/scripts/toolchains/chromium.sh"
# shellcheck disable=SC1091
source "$tools/chromium.env"
bash "$here/build.sh"
# Real presentations for the verifier checks, made by the native core through the QA client
# against the simulator, which keeps running: the page's verifier fetches the issuers' status
# lists from it (Chromium is told to accept the simulator's test CA; the simulator lets web pages
# read its public documents).
sim="${CITYKIT_SIM_BIN:-$root/target/debug/citykit-sim}"
work="$build/fixture" && rm -rf "$work" && mkdir -p "$work"
"$sim" serve --port 0 --state-dir "$work/sim" > "$work/serve.log" &
sim_pid=$!
trap 'kill $sim_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "listening at" "$work/serve.log" 2>/dev/null && break; sleep 0.1; done
issuer=$(awk '/listening at/{print $NF; exit}' "$work/serve.log")
export CITYKIT_ISSUER="$issuer" CITYKIT_CA_FILE="$work/sim/ca.pem" CITYKIT_DATA_DIR="$work/store" CITYKIT_PASSPHRASE=wasm-fixture
url=$("$sim" client login-start --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["authorization_url"])')
"$sim" client login-complete "$("$sim" authorize "$url" --user citizen-01 --ca-file "$CITYKIT_CA_FILE")" > /dev/null
"$sim" client licence-fetch --json > "$work/licences.json"
pick() { python3 -c 'import json,sys; ls=json.load(open(sys.argv[1]))["licences"]; print(next(l[sys.argv[3]] for l in ls if (l["vct"].endswith("resident_id_card")) == (sys.argv[2] == "id")))' "$work/licences.json" "$@"; }
# A: the resident ID card, shown to kiosk-1; B: another licence, shown and then revoked at its
# issuer, which the page's verifier learns from the issuer's status list.
"$sim" client present "$(pick id id)" --claims age_over_18 --audience kiosk-1 --json > "$work/presentation.json"
"$sim" client present "$(pick other id)" --claims "$(python3 -c 'import json,sys; ls=json.load(open(sys.argv[1]))["licences"]; print(next(l["claim_names"][0] for l in ls if not l["vct"].endswith("resident_id_card")))' "$work/licences.json")" --audience kiosk-1 --json > "$work/revoked.json"
"$sim" sim revoke --holder citizen-01 --vct "$(pick other vct)"
# An envelope: citizen-01 applies for a residence permit without the proof of residence, signs
# the pledge and makes the envelope; the page checks its code against the published document.
"$sim" client catalogue-sync > /dev/null
case_id=$("$sim" client submit residence-permit --set applicant_mobile=13800138000 --set residence_address=深圳市福田区福中三路1号 \
  --set residence_since=2025-09-01 --set residence_reason=employment --set housing_type=owned --set photo=upload://photo.jpg \
  --set delivery_method=window --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["case"]["id"])')
"$sim" client pledge "$case_id" > /dev/null
"$sim" client envelope-create "$case_id" --json > "$work/envelope.json"
"$sim" client envelope-trust --out "$work/envelope-trust.json" > /dev/null
metadata() { curl -sf --cacert "$CITYKIT_CA_FILE" "$issuer/.well-known/jwt-vc-issuer/issuers/${1##*/}"; }
metadata public-security > "$work/metadata.json"
metadata "$(pick other issuer)" > "$work/metadata-other.json"
python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); r=json.load(open(sys.argv[2])); m=[open(f).read() for f in sys.argv[3:5]]; e=json.load(open(sys.argv[5])); json.dump({"text": p["text"], "revoked": r["text"], "metadata": m, "audience": "kiosk-1", "envelope": {"id": e["id"], "code": e["code"], "expires_at": e["expires_at"], "trust": open(sys.argv[6]).read()}}, open(sys.argv[7], "w"))' \
  "$work/presentation.json" "$work/revoked.json" "$work/metadata.json" "$work/metadata-other.json" "$work/envelope.json" "$work/envelope-trust.json" "$build/pkg/fixture.json"
cp "$root/test-fixtures/data/catalogue.json" "$build/pkg/catalogue.json"
# The TypeScript declarations: the core's records (tsify) as the sub-clients return them.
cp "$here/tests/types.ts" "$build/pkg/types.ts"
"$TSC" --noEmit --strict --target esnext --lib esnext,dom --module esnext --moduleResolution bundler "$build/pkg/types.ts"
echo "wasm: TypeScript declarations type-check (tests/types.ts)"
# The npm package: every file package.json names (files, exports, types) is in it, and npm packs it.
node -e 'const fs=require("fs"),p=require(process.argv[1]+"/package.json");const d=process.argv[1];
const targets=[p.main,p.types,...p.files,...Object.values(p.exports).flatMap(e=>typeof e==="string"?[e]:Object.values(e))];
const missing=targets.filter(t=>!fs.existsSync(d+"/"+t));if(missing.length){console.error("wasm: package.json names missing files: "+missing);process.exit(1)}' "$build/pkg"
( cd "$build/pkg" && npm pack --dry-run --json > "$build/npm-pack.json" 2>/dev/null )
echo "wasm: npm package $(node -e 'const j=require(process.argv[1])[0];console.log(j.id+": "+j.entryCount+" files, "+j.size+" bytes packed")' "$build/npm-pack.json")"
node "$here/tests/smoke.mjs" "$build/pkg"
# The demo page (demo/) end to end in Chromium shaped as a phone: its own simulator serving the
# package and the page on a second HTTPS origin; an enterprise agent's whole journey, a reload,
# large text, zh/en, a wrong key. Screenshots in ${CITYKIT_ARTIFACTS_DIR:-${CITYKIT_BUILD_DIR:-/var/tmp/citykit-build}/artifacts}/web-e2e.
node "$here/tests/e2e.mjs" --pkg "$build/pkg" --sim "$sim"
