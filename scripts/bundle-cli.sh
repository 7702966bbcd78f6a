#!/usr/bin/env bash
# Bundles the tsvirt CLI into one file, dist/tsvirt.mjs (the package's `tsvirt` bin): a CLI call then
# loads one module instead of resolving several hundred, which halves its start-up. ffi-rs (a native
# addon) and ws's optional native helpers stay outside. CommonJS dependencies inside an ES module
# bundle need a `require`, which the banner provides.
set -euo pipefail
cd "$(dirname "$0")/.."
npx esbuild dist/src/cli/tsvirt.js --bundle --platform=node --format=esm --target=node20 \
  --outfile=dist/tsvirt.mjs --log-level=warning \
  --external:ffi-rs --external:bufferutil --external:utf-8-validate \
  --banner:js="import { createRequire as createRequireForBundle } from 'node:module'; const require = createRequireForBundle(import.meta.url);"
chmod +x dist/tsvirt.mjs
