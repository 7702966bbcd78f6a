import { TsvirtError } from '../errors.js';
import type { BlockJobRecord, PendingJob } from './status-jobs.js';
import { buildJobElements, parseJobElements } from './status-jobs.js';

/**
 * run/qemu/NAME.xml: the live definition with the runtime facts around it, shaped like libvirt's
 * <domstatus> document:
 *   <domstatus state='1' reason='1' pid='123' starttime='456' id='3' started='ISO' persistent='yes'>
 *     <monitor path='.../NAME.d/monitor.sock'/>
 *     <disk path='/images/a.qcow2'/>          (one per disk source, volumes resolved)
 *     <pendingjob kind='save' .../>           (an operation a restart must finish or undo, see status-jobs.ts)
 *     <blockjob disk='vda' id='commit-vda' .../>  (one per disk block job qemu runs)
 *     <domain type='qemu'>...</domain>        (the live definition, as formatDomainXml writes it)
 *   </domstatus>
 * Pure: strings in, values out.
 */
export interface DomainStatus {
  /** virDomainState and its reason. */
  state: number;
  reason: number;
  pid: number;
  startTicks: number;
  id: number;
  startedAt: string;
  persistent: boolean;
  qmpSocket: string;
  diskPaths: string[];
  /** The live domain XML. */
  domainXml: string;
  /** The save or snapshot under way when the status was written. */
  pendingJob?: PendingJob | undefined;
  /** The disks' block jobs qemu runs. */
  blockJobs?: readonly BlockJobRecord[];
}

/** Build the status document. */
export function buildStatusXml(s: DomainStatus): string {
  const attrs =
    `state='${s.state}' reason='${s.reason}' pid='${s.pid}' starttime='${s.startTicks}' id='${s.id}'` +
    ` started='${escapeAttr(s.startedAt)}' persistent='${s.persistent ? 'yes' : 'no'}'`;
  const disks = s.diskPaths.map((p) => `  <disk path='${escapeAttr(p)}'/>\n`).join('');
  const jobs = buildJobElements(s.pendingJob, s.blockJobs ?? [], escapeAttr);
  return (
    `<domstatus ${attrs}>\n  <monitor path='${escapeAttr(s.qmpSocket)}'/>\n${disks}${jobs}` +
    `${s.domainXml.trim()}\n</domstatus>\n`
  );
}

/** Parse a status document written by buildStatusXml; throws ERR_XML_PARSE naming `path` when it is not one. */
export function parseStatusXml(text: string, path: string): DomainStatus {
  const head = /^<domstatus ([^>]*)>/.exec(text.trimStart());
  const start = text.indexOf('<domain ');
  const end = text.lastIndexOf('</domstatus>');
  if (!head || start < 0 || end < start) throw bad(path, 'not a <domstatus> document');
  const attrs = parseAttrs(head[1] ?? '');
  const num = (k: string): number => {
    const v = Number(attrs.get(k));
    if (!Number.isSafeInteger(v)) throw bad(path, `attribute ${k} is not an integer`);
    return v;
  };
  const monitor = /<monitor path='([^']*)'\/>/.exec(text);
  if (!monitor) throw bad(path, 'no <monitor path=.../>');
  const diskPaths = [...text.slice(0, start).matchAll(/<disk path='([^']*)'\/>/g)].map((m) =>
    unescapeAttr(m[1] ?? ''),
  );
  const jobs = parseJobElements(text.slice(0, start), (t) => {
    const a = parseAttrs(t);
    return (k: string) => (a.has(k) ? unescapeAttr(a.get(k) ?? '') : undefined);
  });
  if (typeof jobs === 'string') throw bad(path, jobs);
  return {
    ...jobs,
    state: num('state'),
    reason: num('reason'),
    pid: num('pid'),
    startTicks: num('starttime'),
    id: num('id'),
    startedAt: unescapeAttr(attrs.get('started') ?? ''),
    persistent: attrs.get('persistent') === 'yes',
    qmpSocket: unescapeAttr(monitor[1] ?? ''),
    diskPaths,
    domainXml: text.slice(start, end).trim(),
  };
}

function parseAttrs(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/(\w+)='([^']*)'/g)) out.set(m[1] ?? '', m[2] ?? '');
  return out;
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;');
}

function unescapeAttr(s: string): string {
  return s
    .replace(/&apos;/g, "'")
    .replace(/&gt;/g, '>')
    .replace(/&lt;/g, '<')
    .replace(/&amp;/g, '&');
}

function bad(path: string, why: string): TsvirtError {
  return new TsvirtError('ERR_XML_PARSE', `${path}: ${why}; remove the file if the domain is not running`, {
    path,
  });
}
