/**
 * remote_protocol.x structs of the procedures that open a stream: the call gets an empty reply and the
 * data then travels as STREAM packets carrying the call's procedure and serial.
 */
import { Procedure } from './protocol.js';
import { xdrOptString, xdrStruct, xdrUhyper, xdrUint, xdrVoid } from './xdr-codec.js';
import { remoteDomain, remoteVolume } from './structs-common.js';

/** remote_domain_open_console_args: dev_name NULL means the first console. */
export const domainOpenConsoleArgs = xdrStruct({ dom: remoteDomain, dev_name: xdrOptString, flags: xdrUint });
/** remote_storage_vol_upload_args and remote_storage_vol_download_args (length 0 means to the end). */
export const volTransferArgs = xdrStruct({
  vol: remoteVolume,
  offset: xdrUhyper,
  length: xdrUhyper,
  flags: xdrUint,
});

/** Args and ret codecs of the stream procedures. */
export const streamProcedures = {
  [Procedure.DOMAIN_OPEN_CONSOLE]: { args: domainOpenConsoleArgs, ret: xdrVoid },
  [Procedure.STORAGE_VOL_UPLOAD]: { args: volTransferArgs, ret: xdrVoid },
  [Procedure.STORAGE_VOL_DOWNLOAD]: { args: volTransferArgs, ret: xdrVoid },
} as const;
