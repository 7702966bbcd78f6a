/**
 * The jobs a domain's status file records so that a restarted tsvirtd can finish or undo them:
 *   <pendingjob kind='save' target='/saves/a.save' committed='no'/>
 *   <pendingjob kind='snapshot' tag='s1' vmstate='libvirt-1-format' devices='libvirt-1-format libvirt-2-format'/>
 *   <blockjob disk='vda' id='commit-vda' type='4' leaving='libvirt-1-format' basepath='/b.qcow2'
 *             basenode='libvirt-2-format' baseformat='qcow2' aborting='no'/>
 * Pure: records in, elements out, and back. Node names and disk targets hold no spaces.
 */

/** A save or an internal snapshot under way: what a tsvirtd restart must finish or undo. */
export type PendingJob =
  /** virsh save to `target`: `committed` once the image is complete at `target` and qemu is to stop. */
  | { kind: 'save'; target: string; committed: boolean }
  /** qemu's snapshot-save of `tag` (vmstate node, disk nodes), its metadata not yet written. */
  | { kind: 'snapshot'; tag: string; vmstate: string; devices: string[] };

/** What tsvirt keeps of a disk's block job while qemu runs it. */
export interface BlockJobRecord {
  /** The disk's target (vda). */
  disk: string;
  /** qemu's job-id. */
  jobId: string;
  /** BlockJobType. */
  type: number;
  /** For a commit: the image the data goes into, and its node. */
  base?: { path: string; node: string; format: string };
  /** Set when an abort (not a pivot) was asked: the job's end is then reported as canceled. */
  aborting?: boolean;
  /** The format nodes of the layers that leave the chain when the job completes, top first. */
  leaving: string[];
}

/** The job elements of a status file, each on its own line; `esc` escapes an attribute value. */
export function buildJobElements(
  pending: PendingJob | undefined,
  blockJobs: readonly BlockJobRecord[],
  esc: (s: string) => string,
): string {
  const line = (name: string, attrs: [string, string][]): string =>
    `  <${name} ${attrs.map(([k, v]) => `${k}='${esc(v)}'`).join(' ')}/>\n`;
  let out = '';
  if (pending?.kind === 'save') {
    out += line('pendingjob', [
      ['kind', 'save'],
      ['target', pending.target],
      ['committed', pending.committed ? 'yes' : 'no'],
    ]);
  } else if (pending?.kind === 'snapshot') {
    out += line('pendingjob', [
      ['kind', 'snapshot'],
      ['tag', pending.tag],
      ['vmstate', pending.vmstate],
      ['devices', pending.devices.join(' ')],
    ]);
  }
  for (const j of blockJobs) {
    const base: [string, string][] = j.base
      ? [
          ['basepath', j.base.path],
          ['basenode', j.base.node],
          ['baseformat', j.base.format],
        ]
      : [];
    out += line('blockjob', [
      ['disk', j.disk],
      ['id', j.jobId],
      ['type', String(j.type)],
      ['leaving', j.leaving.join(' ')],
      ...base,
      ['aborting', j.aborting ? 'yes' : 'no'],
    ]);
  }
  return out;
}

/** An attribute reader of one element's attribute text: the unescaped value, or undefined. */
export type AttrReader = (attrText: string) => (name: string) => string | undefined;

/** The job records in `head` (the status text before <domain>), or a reason when one is malformed. */
export function parseJobElements(
  head: string,
  attrsOf: AttrReader,
): { pendingJob: PendingJob | undefined; blockJobs: BlockJobRecord[] } | string {
  let pendingJob: PendingJob | undefined;
  const pending = /<pendingjob ([^>]*)\/>/.exec(head);
  if (pending) {
    const a = attrsOf(pending[1] ?? '');
    const kind = a('kind');
    const target = a('target');
    const [tag, vmstate] = [a('tag'), a('vmstate')];
    if (kind === 'save' && target) pendingJob = { kind, target, committed: a('committed') === 'yes' };
    else if (kind === 'snapshot' && tag !== undefined && vmstate)
      pendingJob = { kind, tag, vmstate, devices: splitWords(a('devices')) };
    else return `<pendingjob ${pending[1] ?? ''}/> is not a save or snapshot record`;
  }
  const blockJobs: BlockJobRecord[] = [];
  for (const m of head.matchAll(/<blockjob ([^>]*)\/>/g)) {
    const a = attrsOf(m[1] ?? '');
    const [disk, jobId, type] = [a('disk'), a('id'), Number(a('type'))];
    if (!disk || !jobId || !Number.isSafeInteger(type))
      return `<blockjob ${m[1] ?? ''}/> lacks disk, id or type`;
    const [path, node, format] = [a('basepath'), a('basenode'), a('baseformat')];
    blockJobs.push({
      disk,
      jobId,
      type,
      leaving: splitWords(a('leaving')),
      ...(path && node && format ? { base: { path, node, format } } : {}),
      ...(a('aborting') === 'yes' ? { aborting: true } : {}),
    });
  }
  return { pendingJob, blockJobs };
}

function splitWords(s: string | undefined): string[] {
  return (s ?? '').split(' ').filter((w) => w !== '');
}
