/**
 * Peer-to-peer migration (VIR_MIGRATE_PEER2PEER): the client calls Perform on the source only, and the
 * source daemon drives the whole protocol itself: Begin here, Prepare at the destination (opened with
 * tsvirt's own libvirt client at `dconnuri`), Perform here, Finish there, Confirm here. Whatever phase
 * fails, the destination is told to cancel and the guest runs on here. With TUNNELLED, Prepare is
 * PrepareTunnel3Params and the state travels as a stream on that same connection.
 */
import type { Writable } from 'node:stream';
import { TsvirtError } from '../../errors.js';
import type { DomainApi } from '../../api/domain-api.js';
import { MigrateFlags, MigrateParam } from '../../api/migration-enums.js';
import type { TypedParam } from '../../api/types.js';
import { connectRemote } from '../../remote/index.js';
import type { DriverContext } from '../context.js';
import type { DomainObject } from '../domain-object.js';
import { beginOutgoing, confirmOutgoing, performOutgoing } from './outgoing.js';

/** What the source needs of the destination daemon. */
export type MigrationPeer = Pick<
  DomainApi,
  'domainMigratePrepare3Params' | 'domainMigratePrepareTunnel3Params' | 'domainMigrateFinish3Params'
> & {
  close(): Promise<void>;
};

/** Opens the destination daemon at a libvirt URI. */
export type OpenPeer = (uri: string) => Promise<MigrationPeer>;

/** Prepare starts a qemu and Finish waits for the state: a reply may take this long. */
const PEER_CALL_TIMEOUT_MS = 120_000;

const openRemotePeer: OpenPeer = (uri) => connectRemote(uri, { timeoutMs: PEER_CALL_TIMEOUT_MS });

/** `params` with `name` set to the string `value` (replacing any it had). */
function withString(params: readonly TypedParam[], name: string, value: string): TypedParam[] {
  return [...params.filter((p) => p.name !== name), { name, type: 'string', value }];
}

/** Prepare at the destination: with TUNNELLED the state is then written into the stream it gives. */
async function preparePeer(
  peer: MigrationPeer,
  params: TypedParam[],
  cookie: Buffer,
  flags: number,
): Promise<{ cookieOut: Buffer; uriOut?: string | undefined; stream?: Writable }> {
  if ((flags & MigrateFlags.TUNNELLED) === 0) return peer.domainMigratePrepare3Params(params, cookie, flags);
  return peer.domainMigratePrepareTunnel3Params(params, cookie, flags);
}

/** The flags the destination sees: the peer-to-peer bit is between client and source only. */
function destFlags(flags: number): number {
  return flags & ~MigrateFlags.PEER2PEER;
}

/**
 * Run a whole migration of `dom` to the daemon at `dconnuri`. Throws the first phase's error once the
 * guest runs here again (or, offline, nothing was defined there).
 */
export async function performPeer(
  ctx: DriverContext,
  dom: DomainObject,
  dconnuri: string | undefined,
  params: readonly TypedParam[],
  flags: number,
  callerGone?: AbortSignal,
  openPeer: OpenPeer = openRemotePeer,
): Promise<void> {
  if (dconnuri === undefined || dconnuri === '') {
    throw new TsvirtError(
      'ERR_INVALID_ARG',
      'a peer-to-peer migration needs the destination URI (dconnuri)',
      {
        field: 'dconnuri',
        value: dconnuri,
        expected: 'a libvirt URI such as qemu+tcp://HOST/system',
      },
    );
  }
  const begin = await beginOutgoing(dom, params, flags);
  const name = params.find((p) => p.name === MigrateParam.DEST_NAME)?.value as string | undefined;
  const base = withString(params, MigrateParam.DEST_NAME, name ?? dom.name);
  let peer: MigrationPeer;
  try {
    peer = await openPeer(dconnuri);
  } catch (err) {
    throw new TsvirtError(
      'ERR_OPERATION_FAILED',
      `cannot open the migration destination ${dconnuri}: ${(err as Error).message}`,
      { dconnuri },
      { cause: err },
    );
  }
  try {
    const prep = await preparePeer(
      peer,
      withString(base, MigrateParam.DEST_XML, begin.xml),
      begin.cookieOut,
      destFlags(flags),
    );
    const offline = (flags & MigrateFlags.OFFLINE) !== 0;
    let failure: unknown;
    let cookie = prep.cookieOut;
    if (!offline) {
      try {
        const performParams =
          prep.uriOut === undefined ? base : withString(base, MigrateParam.URI, prep.uriOut);
        cookie = await performOutgoing(
          ctx,
          dom,
          performParams,
          prep.cookieOut,
          flags,
          callerGone,
          prep.stream,
        );
      } catch (err) {
        prep.stream?.destroy();
        failure = err;
      }
    }
    let finishCookie: Buffer = Buffer.alloc(0);
    try {
      finishCookie = (
        await peer.domainMigrateFinish3Params(base, cookie, destFlags(flags), failure !== undefined)
      ).cookieOut;
    } catch (err) {
      failure ??= err;
    }
    await confirmOutgoing(ctx, dom, finishCookie, flags, failure !== undefined);
    if (failure !== undefined) throw failure;
  } finally {
    await peer.close().catch((e: unknown) => ctx.log(`closing the connection to ${dconnuri}: ${String(e)}`));
  }
}
