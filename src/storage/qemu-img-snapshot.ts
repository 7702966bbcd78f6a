/** Internal snapshots of a qcow2 image that no qemu has open: `qemu-img snapshot`. */
import { run } from '../exec/index.js';

/** What `qemu-img snapshot` does with a snapshot tag. */
const ACTIONS = {
  create: '-c', // take a snapshot of the image as it is now
  apply: '-a', // bring the image back to the snapshot
  delete: '-d', // remove the snapshot
} as const;

/** `qemu-img snapshot -c|-a|-d TAG PATH` (this command takes no -f). */
export async function runImageSnapshot(
  action: keyof typeof ACTIONS,
  path: string,
  tag: string,
): Promise<void> {
  await run(['qemu-img', 'snapshot', '-q', ACTIONS[action], tag, path], { timeoutMs: 600_000 });
}

/** The snapshot tags of a qcow2 image (`qemu-img info --output=json`'s `snapshots`). */
export async function listImageSnapshots(path: string): Promise<string[]> {
  const result = await run(['qemu-img', 'info', '-U', '--output=json', '-f', 'qcow2', path], {
    timeoutMs: 60_000,
  });
  return parseSnapshotTags(result.stdout);
}

/** The `name` of each entry of `snapshots` in qemu-img info's JSON. */
export function parseSnapshotTags(json: string): string[] {
  const doc = JSON.parse(json) as { snapshots?: Array<{ name?: unknown }> };
  return (doc.snapshots ?? []).map((s) => s.name).filter((n): n is string => typeof n === 'string');
}
