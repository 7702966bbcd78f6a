/**
 * tsvirtd's life: one EmbeddedConnection on the root (it re-adopts running guests and autostarts), the
 * RPC server in front of it, the listeners, and the pidfile; stop() undoes them in reverse and leaves
 * the guests running.
 */
import { mkdir, rm } from 'node:fs/promises';
import type { Server, Socket } from 'node:net';
import { EmbeddedConnection, type DefinitionsReloaded } from '../embedded/embedded-connection.js';
import { lookupGroupId } from './group.js';
import { clearSocketPath, closeServer, listenTcp, listenUnix, peerOf } from './listeners.js';
import type { DaemonLog } from './log.js';
import { clientBudgetFor, raiseNofileLimit, reservedDescriptors } from './nofile.js';
import { checkPidFileFree, removePidFile, writePidFile } from './pidfile.js';
import { createClientServer, type ClientServer, type SocketOrigin } from './rpc-server.js';
import { settleHeapForIdle } from './v8-tuning.js';
import type { DaemonSettings, ServerLimits } from './settings.js';

/** How long a start waits for another process that holds the root. */
const ROOT_LOCK_WAIT_MS = 1_000;

/** A running daemon. */
export class Daemon {
  private readonly listeners: Server[] = [];
  private readonly sockets = new Set<Socket>();
  private idleTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;
  private wsServer: { port: number; close(): Promise<void> } | undefined;
  private markStopped: () => void = () => undefined;
  private readonly stoppedSignal = new Promise<void>((resolve) => (this.markStopped = resolve));

  private constructor(
    readonly settings: DaemonSettings,
    readonly conn: EmbeddedConnection,
    readonly server: ClientServer,
    private readonly log: DaemonLog,
  ) {}

  /** Starts serving; on failure, whatever was set up is torn down again and the error is thrown. */
  static async start(settings: DaemonSettings, log: DaemonLog): Promise<Daemon> {
    await checkPidFileFree(settings.pidFile);
    await clearSocketPath(settings.rwSocket);
    await clearSocketPath(settings.roSocket);
    const gid = settings.sockGroup === undefined ? undefined : await lookupGroupId(settings.sockGroup);
    await mkdir(settings.root, { recursive: true });
    const conn = await EmbeddedConnection.open({
      root: settings.root,
      lockTimeoutMs: ROOT_LOCK_WAIT_MS,
      storageLoad: 'open',
      qemuConfFile: settings.qemuConfFile,
      log: (line) => log.warn(line),
    });
    const server = createClientServer(conn, await fitLimitsToDescriptors(settings.limits, log), log);
    const daemon = new Daemon(settings, conn, server, log);
    try {
      await daemon.listen(gid);
      await daemon.listenWs();
      await writePidFile(settings.pidFile);
    } catch (err) {
      await daemon.stop();
      throw err;
    }
    daemon.startIdleTimer();
    settleHeapForIdle();
    return daemon;
  }

  /** SIGHUP: the drivers read their domain and pool definitions again, as libvirtd's reload. */
  reloadDefinitions(): Promise<DefinitionsReloaded> {
    return EmbeddedConnection.reloadDefinitions(this.conn);
  }

  /** ws_port: the WebSocket JSON API, consoles and (with ws_page) the page, on the same connection. */
  private async listenWs(): Promise<void> {
    const ws = this.settings.ws;
    if (!ws) return;
    const { startWsServer } = await import('../ws/index.js');
    this.wsServer = await startWsServer(this.conn, {
      port: ws.port,
      host: ws.host,
      page: ws.page,
      ...(ws.tokenFile === undefined ? {} : { authTokenFile: ws.tokenFile }),
      log: (level, msg) => this.log[level](msg),
    });
    this.log.info(`listening on ws://${ws.host}:${this.wsServer.port}/api${ws.page ? ' (page at /)' : ''}`);
  }

  private async listen(gid: number | undefined): Promise<void> {
    const s = this.settings;
    const accept = (origin: Omit<SocketOrigin, 'peer'>) => (socket: Socket) => {
      const peer = origin.transport === 'unix' ? undefined : peerOf(socket);
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      this.server.handleSocket(socket, peer === undefined ? origin : { ...origin, peer });
    };
    const unixGid = gid === undefined ? {} : { gid };
    const watch = (listener: Server, where: string): Server =>
      // A failed accept (EMFILE, ENFILE) is an 'error' event; unheard, it would end the daemon.
      listener.on('error', (err: Error) => this.log.error(`${where}: ${err.message}; the listener goes on`));
    this.listeners.push(
      watch(
        await listenUnix(
          s.rwSocket,
          { mode: s.rwPerms, ...unixGid },
          accept({ readOnly: false, transport: 'unix' }),
        ),
        s.rwSocket,
      ),
    );
    this.log.info(`listening on ${s.rwSocket} (mode ${s.rwPerms.toString(8)})`);
    this.listeners.push(
      watch(
        await listenUnix(
          s.roSocket,
          { mode: s.roPerms, ...unixGid },
          accept({ readOnly: true, transport: 'unix' }),
        ),
        s.roSocket,
      ),
    );
    this.log.info(`listening on ${s.roSocket} (read-only, mode ${s.roPerms.toString(8)})`);
    if (s.tcp) {
      const where = `tcp ${s.tcp.host ?? '*'}:${s.tcp.port}`;
      this.listeners.push(
        watch(await listenTcp(s.tcp.host, s.tcp.port, accept({ readOnly: false, transport: 'tcp' })), where),
      );
      this.log.info(`listening on tcp ${s.tcp.host ?? '*'}:${s.tcp.port}`);
    }
    if (s.tls) {
      const refused = (peer: string, reason: string): void =>
        this.log.warn(`tls client ${peer} refused: ${reason}`);
      const where = `tls ${s.tls.host ?? '*'}:${s.tls.port}`;
      // node:tls and the certificate checks load only for a daemon that listens with TLS.
      const { listenTls } = await import('./tls-listener.js');
      this.listeners.push(
        watch(await listenTls(s.tls, accept({ readOnly: false, transport: 'tls' }), refused), where),
      );
      this.log.info(
        `listening on tls ${s.tls.host ?? '*'}:${s.tls.port}${s.tls.verifyClient ? '' : ' (client certificates not checked)'}`,
      );
    }
  }

  /** -t: stop after timeoutS seconds with no clients and no running guests, as libvirtd's timeout. */
  private startIdleTimer(): void {
    const limitS = this.settings.timeoutS;
    if (limitS === undefined) return;
    let idleSinceMs = Date.now();
    this.idleTimer = setInterval(() => {
      void this.countActive().then((busy) => {
        if (busy > 0) idleSinceMs = Date.now();
        else if (Date.now() - idleSinceMs >= limitS * 1_000 && !this.stopping) {
          this.log.info(`idle for ${limitS} s with no clients and no running guests; stopping`);
          void this.stop();
        }
      });
    }, 1_000);
  }

  private async countActive(): Promise<number> {
    const domains = await this.conn.listAllDomains().catch(() => []);
    return this.server.clientCount + domains.filter((d) => d.id !== -1).length;
  }

  /** Resolves once a stop (a signal, the idle timeout, or a call) has finished. */
  whenStopped(): Promise<void> {
    return this.stoppedSignal;
  }

  /** Closes listeners, clients and the connection (guests keep running), then removes sockets and pidfile. */
  stop(): Promise<void> {
    this.stopping ??= this.tearDown()
      .catch((err: Error) => this.log.error(`stopping: ${err.message}`))
      .finally(() => this.markStopped());
    return this.stopping;
  }

  private async tearDown(): Promise<void> {
    if (this.idleTimer) clearInterval(this.idleTimer);
    // A listener's close completes only when its clients are gone, so close the clients meanwhile.
    const closed = Promise.all(this.listeners.map((l) => closeServer(l)));
    await this.server.close().catch((err: Error) => this.log.error(`closing clients: ${err.message}`));
    await this.wsServer
      ?.close()
      .catch((err: Error) => this.log.error(`closing the WebSocket API: ${err.message}`));
    for (const socket of this.sockets) socket.destroy();
    await closed;
    await this.conn.close().catch((err: Error) => this.log.error(`closing the connection: ${err.message}`));
    await rm(this.settings.rwSocket, { force: true });
    await rm(this.settings.roSocket, { force: true });
    await removePidFile(this.settings.pidFile);
  }
}

/**
 * Raises the soft open-file limit to the hard one, then lowers max_clients to what the descriptors
 * allow, so that a client beyond them is refused with a log line instead of failing accept (EMFILE).
 */
async function fitLimitsToDescriptors(limits: ServerLimits, log: DaemonLog): Promise<ServerLimits> {
  const nofile = await raiseNofileLimit((msg) => log.warn(msg)).catch((err: Error) => {
    log.warn(`open-file limit unknown (${err.message}); max_clients stays ${limits.maxClients}`);
    return undefined;
  });
  if (!nofile) return limits;
  const { soft, hard } = nofile;
  const budget = clientBudgetFor(soft);
  log.info(`open files: soft limit ${soft}, hard ${hard}`);
  if (budget >= limits.maxClients) return limits;
  log.warn(
    `max_clients lowered from ${limits.maxClients} to ${budget}: the open-file limit is ${soft} and ${reservedDescriptors(soft)} are kept for guests and files; raise the hard limit (LimitNOFILE=) for more`,
  );
  return { ...limits, maxClients: budget, maxAnonymousClients: Math.min(limits.maxAnonymousClients, budget) };
}
