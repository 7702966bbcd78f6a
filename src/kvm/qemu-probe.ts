import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { CommandFailedError, run } from '../exec/index.js';
import { judgeCpuHostTrial, parseAccelHelp, parseQemuVersion, type TrialOutcome } from './qemu-output.js';

/** What qemu said about itself. */
export interface QemuReport {
  /** The binary probed (the override as given, even when missing), or null when none was found. */
  binary: string | null;
  /** The binary exists and is executable. */
  found: boolean;
  /** It answered `--version`. */
  works: boolean;
  version: string | null;
  /** From `-accel help`: "tcg", "kvm", ... */
  accelerators: string[];
  /** Whether `-cpu host` starts under KVM; null when not tried (KVM unusable or probe skipped). */
  cpuHost: { works: boolean | null; detail: string };
  /** What failed and how to fix it. */
  error?: string;
}

/** Names tried on PATH, then fixed paths, when no binary is given. */
const QEMU_NAMES = ['qemu-system-x86_64'];
const QEMU_FIXED_PATHS = ['/usr/libexec/qemu-kvm', '/usr/bin/qemu-kvm'];

/** Bound of each qemu query; a healthy qemu answers in well under 100 ms. */
const QUERY_TIMEOUT_MS = 5_000;

const REMEDY_INSTALL = 'install qemu-system-x86 (apt-get install qemu-system-x86)';

/** The qemu binary to use: the override when it is an executable file, else the first found. */
export function findQemuBinary(override?: string): string | undefined {
  if (override !== undefined) return isExecutableFile(override) ? override : undefined;
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((d) => d.length > 0);
  const candidates = [
    ...dirs.flatMap((dir) => QEMU_NAMES.map((name) => join(dir, name))),
    ...QEMU_FIXED_PATHS,
  ];
  return candidates.find(isExecutableFile);
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Asks qemu for its version and accelerators and, when `tryCpuHost`, starts it once with -cpu host. */
export async function probeQemu(override: string | undefined, tryCpuHost: boolean): Promise<QemuReport> {
  const binary = findQemuBinary(override);
  const report: QemuReport = {
    binary: binary ?? override ?? null,
    found: binary !== undefined,
    works: false,
    version: null,
    accelerators: [],
    cpuHost: { works: null, detail: 'not tried' },
  };
  if (binary === undefined) {
    report.error = override
      ? `${override}: no such executable; ${REMEDY_INSTALL} or point the qemu path at qemu-system-x86_64`
      : `qemu-system-x86_64: not found on PATH; ${REMEDY_INSTALL}`;
    return report;
  }
  const [version, accel] = await Promise.all([
    query([binary, '--version']),
    query([binary, '-accel', 'help']),
  ]);
  if (typeof version !== 'string' || typeof accel !== 'string') {
    const failure = typeof version === 'string' ? accel : version;
    report.error = `${binary}: ${(failure as Error).message}; reinstall qemu-system-x86 or point the qemu path at a working qemu-system-x86_64`;
    return report;
  }
  report.works = true;
  report.version = parseQemuVersion(version);
  report.accelerators = parseAccelHelp(accel);
  if (tryCpuHost && report.accelerators.includes('kvm')) report.cpuHost = await tryCpuHostStart(binary);
  else report.cpuHost.detail = 'not tried: KVM is not usable';
  return report;
}

/** stdout of a short qemu query, or the error it failed with. */
async function query(argv: string[]): Promise<string | Error> {
  try {
    return (await run(argv, { timeoutMs: QUERY_TIMEOUT_MS })).stdout;
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

/** QMP input: negotiate, let the vCPU run, then quit. */
const CPU_HOST_QMP_INPUT = ['qmp_capabilities', 'cont', 'quit'].map((c) => `{"execute":"${c}"}\n`).join('');

/** Starts qemu with -cpu host under KVM, paused, with QMP on stdio, and judges how it ended. */
async function tryCpuHostStart(binary: string): Promise<{ works: boolean; detail: string }> {
  const argv = [binary, '-machine', 'pc,accel=kvm', '-cpu', 'host', '-m', '16', '-no-user-config'];
  argv.push('-nodefaults', '-display', 'none', '-S', '-qmp', 'stdio');
  let outcome: TrialOutcome;
  try {
    outcome = await run(argv, { timeoutMs: QUERY_TIMEOUT_MS, input: CPU_HOST_QMP_INPUT });
  } catch (err) {
    if (!(err instanceof CommandFailedError)) throw err;
    outcome = err;
  }
  return judgeCpuHostTrial(outcome);
}
