import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The greeting QEMU 7.2 sends here, byte for byte. */
export const GREETING_7_2 =
  '{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "Debian 1:7.2+dfsg-7+deb12u18+b3"}, "capabilities": ["oob"]}}\r\n';

/** A command as the fake peer received it. */
export interface ReceivedCommand {
  execute: string;
  arguments?: Record<string, unknown>;
  id: unknown;
}

/** The server side of one connection, as a script sees it. */
export interface PeerConnection {
  write(raw: string | Buffer): Promise<void>;
  /** Reply `{"return": value, "id": id}`. */
  reply(id: unknown, value?: unknown): Promise<void>;
  close(): void;
  /** Every command received so far, in order. */
  received: ReceivedCommand[];
}

/** Script run for each command after qmp_capabilities, which the peer answers by itself. */
export type PeerScript = (cmd: ReceivedCommand, conn: PeerConnection) => void | Promise<void>;

/** A fake QMP monitor: a real unix-socket server that sends a greeting and then follows a script. */
export class FakePeer {
  readonly path: string;
  readonly connections: PeerConnection[] = [];
  private readonly server: net.Server;
  private readonly dir: string;

  private constructor(dir: string, server: net.Server) {
    this.dir = dir;
    this.path = join(dir, 'qmp.sock');
    this.server = server;
  }

  /** Start listening; `greeting` replaces the real greeting (empty string: send none). */
  static async start(script: PeerScript, greeting = GREETING_7_2): Promise<FakePeer> {
    const dir = await mkdtemp(join(tmpdir(), 'tsvirt-qmp-fake-'));
    const server = net.createServer();
    const peer = new FakePeer(dir, server);
    server.on('connection', (socket) => peer.accept(socket, script, greeting));
    await new Promise<void>((resolve) => server.listen(peer.path, resolve));
    return peer;
  }

  /** Stop listening, drop every connection, remove the temp folder. */
  async stop(): Promise<void> {
    for (const c of this.connections) c.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await rm(this.dir, { recursive: true, force: true });
  }

  private accept(socket: net.Socket, script: PeerScript, greeting: string): void {
    const write = (raw: string | Buffer): Promise<void> =>
      new Promise((resolve) => (socket.destroyed ? resolve() : socket.write(raw, () => resolve())));
    const conn: PeerConnection = {
      write,
      reply: (id, value = {}) => write(`${JSON.stringify({ return: value, id })}\r\n`),
      close: () => socket.destroy(),
      received: [],
    };
    this.connections.push(conn);
    socket.on('error', () => undefined);
    if (greeting) void write(greeting);
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('utf8');
      for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
        const cmd = JSON.parse(buffered.slice(0, nl)) as ReceivedCommand;
        buffered = buffered.slice(nl + 1);
        conn.received.push(cmd);
        if (cmd.execute === 'qmp_capabilities') void conn.reply(cmd.id);
        else void script(cmd, conn);
      }
    });
  }
}
