import { run } from '../exec/index.js';

/**
 * The signature (filesystem, partition table, LVM label) a device holds, from `blkid -p -o export`,
 * or undefined when it holds none (blkid exits 2 then).
 */
export async function probeSignature(device: string): Promise<string | undefined> {
  const result = await run(['blkid', '-p', '-o', 'export', device], { okExitCodes: [2], timeoutMs: 30_000 });
  if (result.exitCode === 2) return undefined;
  const fields = new Map(
    result.stdout
      .split('\n')
      .map((line) => line.split('=', 2) as [string, string?])
      .filter((pair): pair is [string, string] => pair[1] !== undefined),
  );
  return fields.get('TYPE') ?? fields.get('PTTYPE') ?? 'unknown data';
}
