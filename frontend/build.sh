#!/usr/bin/env bash
# Build Childsafe's static front-end assets from GOV.UK Frontend.
#
# Usage (from anywhere):  bash frontend/build.sh
#
# Outputs (committed to git, so the Django app needs no Node at install or
# run time):
#   childsafe/static/childsafe/childsafe.css           compiled from frontend/childsafe.scss
#   childsafe/static/childsafe/govuk-frontend.min.js   GOV.UK Frontend ES module
#   childsafe/static/childsafe/assets/images/          GOV.UK Frontend images
#   childsafe/static/childsafe/assets/manifest.json    (if the package ships one)
#
# The GDS Transport fonts are deliberately NOT copied: Childsafe is not a
# GOV.UK service and may not use them. The font is Arial by design.
# childsafe/static/childsafe/init.js is hand-written and not touched here.
set -euo pipefail

FRONTEND_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "${FRONTEND_DIR}/.." && pwd)"
OUT_DIR="${REPO_DIR}/childsafe/static/childsafe"
GOVUK_DIR="${FRONTEND_DIR}/node_modules/govuk-frontend/dist/govuk"

cd "${FRONTEND_DIR}"

# Install exactly what package-lock.json pins, if it exists.
if [[ -f package-lock.json ]]; then
  npm ci --no-audit --no-fund
else
  npm install --no-audit --no-fund
fi

mkdir -p "${OUT_DIR}"

# 1. Stylesheet: compressed, no source map.
npx --no-install sass \
  --pkg-importer=node \
  --style=compressed \
  --no-source-map \
  "${FRONTEND_DIR}/childsafe.scss" \
  "${OUT_DIR}/childsafe.css"

# 2. JavaScript (ES module). Strip the trailing sourceMappingURL comment: the
#    .map file is not shipped, and Django's ManifestStaticFilesStorage fails
#    collectstatic on a reference to a missing file.
sed -e 's|//# sourceMappingURL=[^[:space:]]*||' \
  "${GOVUK_DIR}/govuk-frontend.min.js" > "${OUT_DIR}/govuk-frontend.min.js"

# 3. Images and manifest (no fonts). Rebuild the directory from scratch so
#    files dropped upstream do not linger.
rm -rf "${OUT_DIR}/assets"
mkdir -p "${OUT_DIR}/assets"
cp -R "${GOVUK_DIR}/assets/images" "${OUT_DIR}/assets/images"
if [[ -f "${GOVUK_DIR}/assets/manifest.json" ]]; then
  cp "${GOVUK_DIR}/assets/manifest.json" "${OUT_DIR}/assets/manifest.json"
fi

# Sanity checks.
if grep -qiE 'GDS Transport|\.woff2?' "${OUT_DIR}/childsafe.css"; then
  echo "ERROR: childsafe.css references GDS Transport font files" >&2
  exit 1
fi
if grep -oE 'url\([^)]*\)' "${OUT_DIR}/childsafe.css" \
    | grep -vE '^url\(("|'"'"')?(/static/childsafe/assets/|data:)' >&2; then
  echo "ERROR: childsafe.css has url() references outside /static/childsafe/assets/" >&2
  exit 1
fi

GOVUK_VERSION="$(node -p "require('./node_modules/govuk-frontend/package.json').version")"
echo "Built with govuk-frontend ${GOVUK_VERSION}:"
ls -l "${OUT_DIR}/childsafe.css" "${OUT_DIR}/govuk-frontend.min.js"
