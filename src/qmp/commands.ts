/**
 * Typed wrappers, one per QMP command (schemas as of QEMU 7.2, qapi/*.json). Each takes the client
 * first and returns camelCase results; the wire name appears once, in the execute() call.
 */
import type { QmpClient } from './client.js';

/** The VM's run state (RunState in qapi/run-state.json: prelaunch, running, paused, shutdown, ...). */
export interface QmpStatus {
  status: string;
  running: boolean;
  singlestep: boolean;
}

/** One vCPU and the host thread that runs it. */
export interface QmpCpu {
  cpuIndex: number;
  threadId: number;
  qomPath: string;
  target: string;
}

/** One block backend as query-block reports it. */
export interface QmpBlockInfo {
  device: string;
  qdev?: string;
  removable: boolean;
  locked: boolean;
  inserted?: { file: string; driver: string; ro: boolean; nodeName?: string };
}

/** QEMU's version, as in the greeting. */
export interface QmpVersion {
  qemu: { major: number; minor: number; micro: number };
  package: string;
}

/** `query-status` → StatusInfo {status, running, singlestep}. */
export async function queryStatus(c: QmpClient): Promise<QmpStatus> {
  const r = await c.execute<{ status: string; running: boolean; singlestep?: boolean }>('query-status');
  return { status: r.status, running: r.running, singlestep: r.singlestep ?? false };
}

/** `query-cpus-fast` → [CpuInfoFast {cpu-index, thread-id, qom-path, target, props}]; never interrupts vCPUs. */
export async function queryCpusFast(c: QmpClient): Promise<QmpCpu[]> {
  type Wire = { 'cpu-index': number; 'thread-id': number; 'qom-path': string; target: string };
  const r = await c.execute<Wire[]>('query-cpus-fast');
  return r.map((cpu) => ({
    cpuIndex: cpu['cpu-index'],
    threadId: cpu['thread-id'],
    qomPath: cpu['qom-path'],
    target: cpu.target,
  }));
}

/** `cont`: start or resume the vCPUs (a RESUME event follows). */
export async function cont(c: QmpClient): Promise<void> {
  await c.execute('cont');
}

/** `stop`: pause the vCPUs (a STOP event follows). */
export async function stop(c: QmpClient): Promise<void> {
  await c.execute('stop');
}

/** `system_powerdown`: press the ACPI power button; the guest decides whether to shut down. */
export async function systemPowerdown(c: QmpClient): Promise<void> {
  await c.execute('system_powerdown');
}

/** `system_reset`: hard-reset the machine (a RESET event follows). */
export async function systemReset(c: QmpClient): Promise<void> {
  await c.execute('system_reset');
}

/** `quit`: QEMU answers, emits SHUTDOWN (reason host-qmp-quit), then exits and closes the socket. */
export async function quit(c: QmpClient): Promise<void> {
  await c.execute('quit');
}

/** `query-balloon` → BalloonInfo {actual}: the guest's current memory in bytes. */
export async function queryBalloon(c: QmpClient): Promise<{ actualBytes: number }> {
  const r = await c.execute<{ actual: number }>('query-balloon');
  return { actualBytes: r.actual };
}

/** `balloon` {value}: ask the guest's balloon driver for this much memory, in bytes. */
export async function balloon(c: QmpClient, valueBytes: number): Promise<void> {
  await c.execute('balloon', { value: valueBytes });
}

/** `query-block` → [BlockInfo {device, qdev, removable, locked, inserted: BlockDeviceInfo {file, drv, ro, node-name}}]. */
export async function queryBlock(c: QmpClient): Promise<QmpBlockInfo[]> {
  type Inserted = { file: string; drv: string; ro: boolean; 'node-name'?: string };
  type Wire = { device: string; qdev?: string; removable: boolean; locked: boolean; inserted?: Inserted };
  const r = await c.execute<Wire[]>('query-block');
  return r.map((b) => ({
    device: b.device,
    ...(b.qdev === undefined ? {} : { qdev: b.qdev }),
    removable: b.removable,
    locked: b.locked,
    ...(b.inserted === undefined
      ? {}
      : {
          inserted: {
            file: b.inserted.file,
            driver: b.inserted.drv,
            ro: b.inserted.ro,
            ...(b.inserted['node-name'] === undefined ? {} : { nodeName: b.inserted['node-name'] }),
          },
        }),
  }));
}

/** `blockdev-add` BlockdevOptions (wire names: driver, node-name, file, ...), passed through as given. */
export async function blockdevAdd(c: QmpClient, options: Record<string, unknown>): Promise<void> {
  await c.execute('blockdev-add', options);
}

/** `blockdev-del` {node-name}: remove a node that no device uses. */
export async function blockdevDel(c: QmpClient, nodeName: string): Promise<void> {
  await c.execute('blockdev-del', { 'node-name': nodeName });
}

/** `device_add` {driver, id, ...properties}, passed through as given. */
export async function deviceAdd(
  c: QmpClient,
  options: { driver: string; id?: string } & Record<string, unknown>,
): Promise<void> {
  await c.execute('device_add', options);
}

/** `device_del` {id}: request unplug; completion is the DEVICE_DELETED event, which may need the guest. */
export async function deviceDel(c: QmpClient, id: string): Promise<void> {
  await c.execute('device_del', { id });
}

/** `netdev_add` {type, id, ...backend options}: a host network backend for a NIC to hot-plug. */
export async function netdevAdd(
  c: QmpClient,
  options: { type: string; id: string } & Record<string, unknown>,
): Promise<void> {
  await c.execute('netdev_add', options);
}

/** `netdev_del` {id}: remove a host network backend no device uses. */
export async function netdevDel(c: QmpClient, id: string): Promise<void> {
  await c.execute('netdev_del', { id });
}

/** `set_link` {name, up}: a NIC's link (by device id, with its netdev peer) up or down, as the guest sees it. */
export async function setLink(c: QmpClient, name: string, up: boolean): Promise<void> {
  await c.execute('set_link', { name, up });
}

/** `object-add` {qom-type, id, ...properties}: a backend object (an rng-random for a virtio-rng). */
export async function objectAdd(
  c: QmpClient,
  options: { 'qom-type': string; id: string } & Record<string, unknown>,
): Promise<void> {
  await c.execute('object-add', options);
}

/** `object-del` {id}: remove a backend object no device uses. */
export async function objectDel(c: QmpClient, id: string): Promise<void> {
  await c.execute('object-del', { id });
}

/** `blockdev-open-tray` {id, force}: open a removable drive's tray (force: even when the guest locked it). */
export async function blockdevOpenTray(c: QmpClient, id: string, force: boolean): Promise<void> {
  await c.execute('blockdev-open-tray', { id, force });
}

/** `blockdev-remove-medium` {id}: take the medium out of a drive whose tray is open. */
export async function blockdevRemoveMedium(c: QmpClient, id: string): Promise<void> {
  await c.execute('blockdev-remove-medium', { id });
}

/** `blockdev-insert-medium` {id, node-name}: put a block node into a drive whose tray is open and empty. */
export async function blockdevInsertMedium(c: QmpClient, id: string, nodeName: string): Promise<void> {
  await c.execute('blockdev-insert-medium', { id, 'node-name': nodeName });
}

/** `blockdev-close-tray` {id}: close a removable drive's tray. */
export async function blockdevCloseTray(c: QmpClient, id: string): Promise<void> {
  await c.execute('blockdev-close-tray', { id });
}

/** `human-monitor-command` {command-line} → the HMP output text. */
export async function humanMonitorCommand(c: QmpClient, commandLine: string): Promise<string> {
  return c.execute<string>('human-monitor-command', { 'command-line': commandLine });
}

/** `query-version` → VersionInfo {qemu {major, minor, micro}, package}. */
export async function queryVersion(c: QmpClient): Promise<QmpVersion> {
  const r = await c.execute<QmpVersion>('query-version');
  return { qemu: { major: r.qemu.major, minor: r.qemu.minor, micro: r.qemu.micro }, package: r.package };
}

/** `qom-get` {path, property}: read one QOM property, e.g. guest-stats of a virtio-balloon device. */
export async function qomGet(c: QmpClient, path: string, property: string): Promise<unknown> {
  return c.execute('qom-get', { path, property });
}

/** One CPU slot of `query-hotpluggable-cpus`; `qomPath` is set when a vCPU is plugged into it. */
export interface QmpHotpluggableCpu {
  /** The CPU device type to device_add, e.g. qemu64-x86_64-cpu. */
  type: string;
  vcpusCount: number;
  /** Where the slot sits: socket-id, die-id, core-id, thread-id (and node-id with NUMA). */
  props: Record<string, number>;
  qomPath?: string;
}

/** `query-hotpluggable-cpus` → [HotpluggableCPU {type, vcpus-count, props, qom-path}]. */
export async function queryHotpluggableCpus(c: QmpClient): Promise<QmpHotpluggableCpu[]> {
  type Wire = { type: string; 'vcpus-count': number; props: Record<string, number>; 'qom-path'?: string };
  const r = await c.execute<Wire[]>('query-hotpluggable-cpus');
  return r.map((cpu) => ({
    type: cpu.type,
    vcpusCount: cpu['vcpus-count'],
    props: { ...cpu.props },
    ...(cpu['qom-path'] === undefined ? {} : { qomPath: cpu['qom-path'] }),
  }));
}

/** `screendump` {filename, device?, head?, format}: qemu writes the display's picture to a file. */
export async function screendump(
  c: QmpClient,
  filename: string,
  opts: { format: 'png' | 'ppm'; device?: string; head?: number },
): Promise<void> {
  await c.execute('screendump', {
    filename,
    format: opts.format,
    ...(opts.device === undefined ? {} : { device: opts.device }),
    ...(opts.head === undefined ? {} : { head: opts.head }),
  });
}

/** One key of `send-key`: a QKeyCode name (qcode) or an XT scancode number (qnum). */
export type QmpKeyValue = { type: 'qcode'; data: string } | { type: 'number'; data: number };

/** `send-key` {keys, hold-time?}: press the keys in order, hold them, release them in reverse. */
export async function sendKey(c: QmpClient, keys: QmpKeyValue[], holdTimeMs?: number): Promise<void> {
  await c.execute('send-key', { keys, ...(holdTimeMs === undefined ? {} : { 'hold-time': holdTimeMs }) });
}

/** `inject-nmi`: raise a non-maskable interrupt on every vCPU (x86). */
export async function injectNmi(c: QmpClient): Promise<void> {
  await c.execute('inject-nmi');
}

/** `block_resize` {node-name or device, size}: grow or shrink a disk image to `sizeBytes`. */
export async function blockResize(
  c: QmpClient,
  target: { nodeName: string } | { device: string },
  sizeBytes: number,
): Promise<void> {
  const where = 'nodeName' in target ? { 'node-name': target.nodeName } : { device: target.device };
  await c.execute('block_resize', { ...where, size: sizeBytes });
}
