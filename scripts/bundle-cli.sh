#!/usr/bin/env bash
# Bundles the tsvirt CLI for the package's `tsvirt` bin, in two files:
# - dist/tsvirt-main.cjs: the CLI and the libraries it uses in one CommonJS file, so a call loads one
#   file instead of resolving several hundred modules. ffi-rs (a native addon) and ws's optional
#   native helpers stay outside. CommonJS has no import.meta, so import.meta.url becomes the bundle's
#   own file URL; the banner also keeps the strict mode that the ES modules it comes from had.
# - dist/tsvirt.mjs: the launcher (src/cli/launcher.ts), which runs that bundle with a V8 code cache.
set -euo pipefail
cd "$(dirname "$0")/.."
npx esbuild dist/src/cli/tsvirt.js --bundle --platform=node --format=cjs --target=node20 \
  --outfile=dist/tsvirt-main.cjs --log-level=warning \
  --external:ffi-rs --external:bufferutil --external:utf-8-validate \
  --define:import.meta.url=tsvirtBundleUrl \
  --banner:js="'use strict'; const tsvirtBundleUrl = require('node:url').pathToFileURL(__filename).href;"
npx esbuild dist/src/cli/launcher.js --bundle --platform=node --format=esm --target=node20 \
  --outfile=dist/tsvirt.mjs --log-level=warning
chmod +x dist/tsvirt.mjs
