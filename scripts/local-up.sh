#!/usr/bin/env bash
# Deploys the `local` stack on this machine: local file backend, passphrase secrets, no cloud
# account. Needs Docker and the Pulumi CLI. Usage:
#   npm run local                     # public images (postgres:17.7-bookworm, edoburu/pgbouncer)
#   npm run local -- --local-images   # build the images from Debian packages instead (no registry)
#   npm run local -- --destroy        # tear the local stack down
# Extra arguments go to `pulumi up` (for example --diff).
set -euo pipefail
cd "$(dirname "$0")/.."

local_images=0
destroy=0
args=()
for a in "$@"; do
  case "$a" in
    --local-images) local_images=1 ;;
    --destroy) destroy=1 ;;
    *) args+=("$a") ;;
  esac
done

if ! command -v pulumi >/dev/null 2>&1; then
  echo "local-up: the Pulumi CLI is not installed; see https://www.pulumi.com/docs/iac/download-install/" >&2
  exit 1
fi
if ! docker info >/dev/null 2>&1; then
  bash scripts/docker-engine.sh
fi
[ -d node_modules ] || npm ci --no-audit --no-fund

# State lives next to the project; secrets are encrypted with a passphrase kept beside it unless
# you bring your own (PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE).
mkdir -p .pulumi-local
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$PWD/.pulumi-local}"
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  if [ ! -f .pulumi-local/passphrase ]; then
    (umask 077; head -c 32 /dev/urandom | base64 > .pulumi-local/passphrase)
  fi
  export PULUMI_CONFIG_PASSPHRASE_FILE="$PWD/.pulumi-local/passphrase"
fi

pulumi stack select local >/dev/null 2>&1 || pulumi stack init local --secrets-provider passphrase

if [ "$destroy" = 1 ]; then
  exec pulumi destroy --stack local --yes "${args[@]+"${args[@]}"}"
fi

if [ "$local_images" = 1 ]; then
  images=$(bash scripts/build-images.sh)
  pulumi config set --stack local --path images.postgres "$(echo "$images" | sed -n 's/^postgres=//p')"
  pulumi config set --stack local --path images.pgbouncer "$(echo "$images" | sed -n 's/^pgbouncer=//p')"
fi

pulumi up --stack local --yes "${args[@]+"${args[@]}"}"
pulumi stack output --stack local
