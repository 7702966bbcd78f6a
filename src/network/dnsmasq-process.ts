/** dnsmasq's process: its identity in /proc, and the wait for it to answer after spawn. */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { isProcessAlive, readCmdline } from '../driver/proc.js';

/** Whether `pid` is a live dnsmasq started with this config file (STYLE point 8: checked before any signal). */
export function isDnsmasqOfConfig(pid: number, confPath: string): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 1 || !isProcessAlive(pid)) return false;
  const argv = readCmdline(pid);
  if (!argv || basename(argv[0] ?? '') !== 'dnsmasq') return false;
  return argv.includes(`--conf-file=${confPath}`);
}

/** The pid dnsmasq wrote to its pid file, or undefined when there is none. */
export async function readDnsmasqPid(pidFile: string): Promise<number | undefined> {
  const text = await readFile(pidFile, 'utf8').catch(() => '');
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 1 ? pid : undefined;
}

/**
 * Waits until dnsmasq has written its pid file, which it does once its sockets are bound; resolves
 * false when the process ended first or `timeoutMs` passed.
 */
export async function waitForDnsmasqReady(pid: number, pidFile: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await readDnsmasqPid(pidFile)) === pid) return true;
    if (!isProcessAlive(pid)) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return false;
}
