/** Which serial carries a domain's console: pure, for the driver's console without the argv builder. */
import type { DomainConfig } from './types.js';

/**
 * The index (in devices.serials) of the serial the domain's <console> names by its port, else of the
 * first serial; undefined for a domain without serials.
 */
export function findConsoleSerialIndex(config: DomainConfig): number | undefined {
  const { serials, consoles } = config.devices;
  if (serials.length === 0) return undefined;
  const port = consoles[0]?.port;
  const named = port === undefined ? -1 : serials.findIndex((s) => s.port === port);
  return named >= 0 ? named : 0;
}
