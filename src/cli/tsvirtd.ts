#!/usr/bin/env node
import { fileURLToPath } from 'node:url';
import { deferCompilers } from '../daemon/v8-tuning.js';

// Before the daemon's modules load (hence the dynamic import): see v8-tuning.ts.
deferCompilers();
const { runDaemonMain } = await import('../daemon/main.js');
// Exit explicitly: the guests' qemu processes are detached, and nothing else should hold the daemon.
const status = await runDaemonMain(process.argv.slice(2), fileURLToPath(import.meta.url));
process.exit(status);
