import { ElementReader, invalid } from './element-reader.js';
import { readAlias } from './parse-address.js';
import { isAbsolutePath } from './parse-disk.js';
import type { CharDevConfig } from './types.js';

/** Read one <serial> (console: false) or <console> (console: true). */
export function parseCharDev(r: ElementReader, console: boolean): CharDevConfig {
  const type = r.enumAttr('type', ['pty', 'file', 'unix']);
  if (type === undefined)
    throw invalid(r.el, "attribute 'type' is missing", { attribute: 'type', expected: 'pty, file or unix' });
  if (console) r.skip({ attrs: ['tty'] }); // the pty of a running domain (dumpxml output)
  const dev: CharDevConfig = { type, port: 0 };
  const source = r.child('source');
  if (type === 'pty') {
    source?.skip({ attrs: ['path'] }); // a running domain's pty path (dumpxml output)
    source?.finish();
  } else {
    if (!source)
      throw invalid(r.el, 'element <source> is missing', { expected: "<source path='/absolute/path'/>" });
    if (type === 'unix') dev.mode = source.enumAttr('mode', ['bind'], 'bind');
    dev.path = source.requireAttr('path', 'an absolute path');
    if (!isAbsolutePath(dev.path)) {
      throw invalid(source.el, `'${dev.path}' is not an absolute path`, {
        attribute: 'path',
        value: dev.path,
        expected: 'an absolute path',
      });
    }
    source.finish();
  }
  const target = r.child('target');
  if (target) {
    target.enumAttr('type', console ? ['serial'] : ['isa-serial']);
    const port = target.uintAttr('port');
    if (port !== undefined) dev.port = port;
    if (!console) readSerialModel(target);
    target.finish();
  }
  // A console shows the alias of the serial it stands for; only a serial keeps its own.
  const alias = readAlias(r);
  if (alias !== undefined && !console) dev.alias = alias;
  r.finish();
  return dev;
}

function readSerialModel(target: ElementReader): void {
  const model = target.child('model');
  if (!model) return;
  model.enumAttr('name', ['isa-serial']);
  model.finish();
}
