/**
 * A disk's `<backingStore>` chain as libvirt writes it: each image below the source nested in the one
 * above, `<backingStore type='file' index='N'><format type='qcow2'/><source file='...'/>...`, and an
 * empty `<backingStore/>` where the chain is known to end. `index` is the block node index of a
 * running domain's layer (live XML only).
 */
import { ElementReader, invalid, notSupported } from './element-reader.js';
import type { BackingImage } from './types.js';
import { el, type XmlNode } from './xml-writer.js';
import { isAbsolutePath } from './parse-disk.js';

const FORMATS = ['raw', 'qcow2', 'vmdk'] as const;

/** The `<backingStore>` node of `chain` (top first); none when the chain is unknown. */
export function buildBackingStoreNode(chain: readonly BackingImage[] | undefined): XmlNode | undefined {
  if (chain === undefined) return undefined;
  let node = el('backingStore');
  for (let i = chain.length - 1; i >= 0; i--) {
    const image = chain[i] as BackingImage;
    node = el(
      'backingStore',
      [
        ['type', 'file'],
        ['index', image.nodeIndex],
      ],
      [el('format', [['type', image.format]]), el('source', [['file', image.path]]), node],
    );
  }
  return node;
}

/**
 * Read a disk's `<backingStore>`: the images it names, top first (an empty element: none below), or
 * undefined when the disk has none. A chain that stops without an empty element is kept as far as given.
 */
export function parseBackingStore(r: ElementReader | undefined): BackingImage[] | undefined {
  if (!r) return undefined;
  const chain: BackingImage[] = [];
  let at: ElementReader | undefined = r;
  while (at) {
    const type = at.attr('type');
    if (type === undefined && at.el.children.length === 0) {
      at.finish();
      break;
    }
    if (type !== 'file') throw notSupported(at.el, { attribute: 'type', value: type, expected: ['file'] });
    chain.push(readImage(at));
    const next: ElementReader | undefined = at.child('backingStore');
    at.finish();
    at = next;
  }
  return chain;
}

function readImage(r: ElementReader): BackingImage {
  const nodeIndex = r.uintAttr('index');
  const formatEl = r.child('format');
  if (!formatEl) throw invalid(r.el, 'element <format> is missing', { expected: "<format type='qcow2'/>" });
  const format = formatEl.enumAttr('type', FORMATS);
  if (format === undefined) {
    throw invalid(formatEl.el, "attribute 'type' is missing", {
      attribute: 'type',
      expected: FORMATS.join(', '),
    });
  }
  formatEl.finish();
  const sourceEl = r.child('source');
  if (!sourceEl) throw invalid(r.el, 'element <source> is missing', { expected: "<source file='/path'/>" });
  const path = sourceEl.requireAttr('file', 'an absolute path');
  if (!isAbsolutePath(path)) {
    throw invalid(sourceEl.el, `'${path}' is not an absolute path`, {
      attribute: 'file',
      value: path,
      expected: 'an absolute path',
    });
  }
  sourceEl.finish();
  return { path, format, ...(nodeIndex !== undefined && nodeIndex > 0 ? { nodeIndex } : {}) };
}
