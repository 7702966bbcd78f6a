import { XMLBuilder } from 'fast-xml-parser';

/** What `pool-define-as` takes on the command line. */
export interface PoolArgs {
  name: string;
  type: string;
  sourceDev?: string | undefined;
  sourceName?: string | undefined;
  sourceFormat?: string | undefined;
  target?: string | undefined;
}

/** Builds libvirt pool XML from pool-define-as arguments; the storage driver validates it. */
export function buildPoolXml(args: PoolArgs): string {
  const source: Record<string, unknown> = {};
  if (args.sourceDev !== undefined) source.device = { '@_path': args.sourceDev };
  if (args.sourceName !== undefined) source.name = args.sourceName;
  if (args.sourceFormat !== undefined) source.format = { '@_type': args.sourceFormat };
  const pool: Record<string, unknown> = { '@_type': args.type, name: args.name };
  if (Object.keys(source).length > 0) pool.source = source;
  if (args.target !== undefined) pool.target = { path: args.target };
  const builder = new XMLBuilder({
    ignoreAttributes: false,
    format: true,
    indentBy: '  ',
    suppressEmptyNode: true,
  });
  return builder.build({ pool }) as string;
}
