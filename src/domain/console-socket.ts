/** Which socket carries a domain's console: pure, for the driver's console without the argv builder. */
import type { QemuRuntimePaths } from './qemu-argv.js';
import type { DomainConfig } from './types.js';

/** The socket of the domain's console (the serial its <console> names, else the first serial), if any. */
export function findConsoleSocket(config: DomainConfig, paths: QemuRuntimePaths): string | undefined {
  const { serials, consoles } = config.devices;
  const port = consoles[0]?.port;
  const serial = (port === undefined ? undefined : serials.find((s) => s.port === port)) ?? serials[0];
  if (serial?.type === 'pty') return paths.consoleSocket;
  if (serial?.type === 'unix') return serial.path;
  return undefined;
}
