import { XMLBuilder } from 'fast-xml-parser';

/** What `vol-create-as` takes on the command line. */
export interface VolumeArgs {
  name: string;
  capacity: bigint;
  allocation?: bigint | undefined;
  format?: string | undefined;
  backingPath?: string | undefined;
  backingFormat?: string | undefined;
}

/** Builds libvirt volume XML as virsh's vol-create-as does; the storage driver validates it. */
export function buildVolumeXml(args: VolumeArgs): string {
  const volume: Record<string, unknown> = { name: args.name, capacity: String(args.capacity) };
  if (args.allocation !== undefined) volume.allocation = String(args.allocation);
  if (args.format !== undefined) volume.target = { format: { '@_type': args.format } };
  if (args.backingPath !== undefined) {
    volume.backingStore = {
      path: args.backingPath,
      ...(args.backingFormat === undefined ? {} : { format: { '@_type': args.backingFormat } }),
    };
  }
  const builder = new XMLBuilder({
    ignoreAttributes: false,
    format: true,
    indentBy: '  ',
    suppressEmptyNode: true,
  });
  return builder.build({ volume }) as string;
}
