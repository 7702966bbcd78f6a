#!/usr/bin/env node
import { VERSION } from '../version.js';

const HELP = `Usage: tsvirtd [-f FILE] [-l|--listen] [--root DIR] [-p PIDFILE]

The tsvirt daemon: serves the libvirt remote protocol for KVM guests run by qemu.

Options:
  -h, --help      this help
  -v, --version   print the version
`;

const args = process.argv.slice(2);
if (args.includes('-v') || args.includes('--version')) {
  process.stdout.write(`${VERSION}\n`);
} else {
  process.stdout.write(HELP);
  if (!args.includes('-h') && !args.includes('--help')) {
    process.stderr.write('error: the daemon does not serve yet\n');
    process.exitCode = 1;
  }
}
