#!/usr/bin/env node
import { fileURLToPath } from 'node:url';
import { runDaemonMain } from '../daemon/main.js';

// Exit explicitly: the guests' qemu processes are detached, and nothing else should hold the daemon.
const status = await runDaemonMain(process.argv.slice(2), fileURLToPath(import.meta.url));
process.exit(status);
