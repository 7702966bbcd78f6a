/** `tsvirt version [--daemon]`: virsh's version, with tsvirt's own version beside libvirt's API level. */
import type { Command, CommandContext } from '../command.js';
import { parseVerbArgs } from '../args.js';
import { LIBVIRT_API_VERSION, VERSION, versionText } from '../../version.js';

export const versionCommand: Command = {
  name: 'version',
  summary: "show tsvirt's version, the libvirt API level it implements, and the hypervisor's version",
  usage: `Usage: tsvirt [-c URI] version [--daemon] [--json]

Prints, as virsh version does, the library (tsvirt and the libvirt API level it implements), the
hypervisor and its version, and with --daemon the libvirt API level the daemon reports. A tsvirtd
reports libvirt's number there (${LIBVIRT_API_VERSION}), which clients gate features on; tsvirtd's
own version is in its log and in tsvirtd --version.`,
  async run(ctx: CommandContext): Promise<number> {
    const a = parseVerbArgs(ctx.args, { verb: 'version', positionals: [], flags: ['daemon'], options: [] });
    const conn = await ctx.connect();
    const [type, hv] = await Promise.all([conn.getType(), conn.getVersion()]);
    const daemon = a.flags.has('daemon') ? versionText(await conn.getLibVersion()) : undefined;
    if (ctx.json) {
      const doc = {
        tsvirt: VERSION,
        libvirtApi: LIBVIRT_API_VERSION,
        hypervisor: { type, version: versionText(hv) },
        ...(daemon === undefined ? {} : { daemon }),
      };
      ctx.print(JSON.stringify(doc, null, 2));
      return 0;
    }
    ctx.print(`Compiled against library: tsvirt ${VERSION} (libvirt API ${LIBVIRT_API_VERSION})`);
    ctx.print(`Using library: tsvirt ${VERSION}`);
    ctx.print(`Using API: ${type} ${LIBVIRT_API_VERSION}`);
    ctx.print(`Running hypervisor: ${type} ${versionText(hv)}`);
    if (daemon !== undefined) ctx.print(`Running against daemon: ${daemon}`);
    ctx.print('');
    return 0;
  },
};
