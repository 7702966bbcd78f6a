/** Changes to a backing chain of images that no qemu has open: `qemu-img commit` and `qemu-img rebase -u`. */
import { run } from '../exec/index.js';

/** `qemu-img commit -q -d -f FMT PATH`: the image's data goes into its backing file (the image itself is left as it was). */
export async function commitImage(path: string, format: string): Promise<void> {
  await run(['qemu-img', 'commit', '-q', '-d', '-f', format, path], { timeoutMs: 3_600_000 });
}

/**
 * `qemu-img rebase -q -u -f FMT -b BACKING -F BACKING_FMT PATH`: only the header's backing file changes
 * (unsafe mode), for a new backing file that reads the same as the old one.
 */
export async function rebaseImageHeader(
  path: string,
  format: string,
  backing: { path: string; format: string },
): Promise<void> {
  await run(
    ['qemu-img', 'rebase', '-q', '-u', '-f', format, '-b', backing.path, '-F', backing.format, path],
    {
      timeoutMs: 60_000,
    },
  );
}
