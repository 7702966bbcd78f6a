/** The daemon's log: libvirt's levels (1 debug, 2 info, 3 warning, 4 error), lines on stderr. */

/** A logger that drops lines below its level. */
export interface DaemonLog {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const LEVELS = [
  [1, 'debug'],
  [2, 'info'],
  [3, 'warning'],
  [4, 'error'],
] as const;

/** Builds a logger writing `TIME: PID: LEVEL : MESSAGE` lines, as libvirtd formats them. */
export function createDaemonLog(
  level: number,
  write: (line: string) => void = (l) => process.stderr.write(l),
): DaemonLog {
  const emit = (n: number, name: string, message: string): void => {
    if (n < level) return;
    write(`${new Date().toISOString()}: ${process.pid}: ${name} : ${message}\n`);
  };
  const [debug, info, warn, error] = LEVELS.map(
    ([n, name]) =>
      (message: string): void =>
        emit(n, name, message),
  ) as [DaemonLog['debug'], DaemonLog['info'], DaemonLog['warn'], DaemonLog['error']];
  return { debug, info, warn, error };
}
