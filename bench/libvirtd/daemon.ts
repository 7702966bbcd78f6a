/** What every benchmark needs from a daemon under test (libvirtd or tsvirtd). */

/** A running daemon that speaks the libvirt remote protocol on loopback TCP. */
export interface BenchDaemon {
  /** Short label for tables: 'libvirtd' or 'tsvirtd'. */
  name: string;
  /** The daemon process (the one whose RSS is measured). */
  pid: number;
  /** URI for libvirt-python: qemu+tcp://127.0.0.1:PORT/system. */
  uri: string;
  /** Pids of helper daemons doing the work next to it (virtqemud, virtlogd), qemu excluded. */
  helperPids(): number[];
  /** Stop the daemon; the caller kills the guests it started (they outlive both daemons). */
  stop(): Promise<void>;
}

/** Sum of VmRSS over the daemon and its helpers, in KiB. */
export type RssReader = (daemon: BenchDaemon) => number;
