import { describe, expect, it } from 'vitest';
import { CommandFailedError } from '../../src/exec/index.js';
import {
  isLvmExists,
  isLvmInsufficientSpace,
  isLvmNoDeviceMapper,
  isLvmNotFound,
  parseLvs,
  parseVgs,
} from '../../src/storage/lvm-report.js';
import { errorLine, toLvmError } from '../../src/storage/lvm.js';
import { parseImageInfo } from '../../src/storage/qemu-img.js';

/** A failed lvm run as lvm2 2.03 left it on this machine (exit 5, or 3 for lvcreate without device-mapper). */
function failed(stderr: string, exitCode = 5): CommandFailedError {
  const outcome = {
    argv: ['lvcreate'],
    exitCode,
    signal: undefined,
    stdout: '',
    stderr,
    timedOut: false,
    durationMs: 1,
  };
  return new CommandFailedError('ERR_COMMAND_FAILED', 'lvcreate failed', outcome);
}

const NO_DM = `  /dev/mapper/control: open failed: No such device
  Failure to communicate with kernel device-mapper driver.
  Check that device-mapper is available in the kernel.
  striped: Required device-mapper target(s) not detected in your kernel.
  Run \`lvcreate --help' for more information.
`;

describe('lvm reports and failures', () => {
  it('reads lvs and vgs JSON with byte units and no suffix', () => {
    const lvs = `{ "report": [ { "lv": [ {"lv_name":"lv1", "lv_uuid":"T6mXiJ-f4qd-xPZH-OKrw-TOfS-tQQN-FFslhQ", "lv_size":"104857600", "lv_path":"/dev/vg/lv1", "lv_attr":"-wi-XX----"} ] } ] }`;
    expect(parseLvs(lvs)).toEqual([
      {
        name: 'lv1',
        uuid: 'T6mXiJ-f4qd-xPZH-OKrw-TOfS-tQQN-FFslhQ',
        sizeBytes: 104857600n,
        path: '/dev/vg/lv1',
        attr: '-wi-XX----',
      },
    ]);
    const vgs = `{"report":[{"vg":[{"vg_name":"vg","vg_uuid":"u","vg_size":"205520896B","vg_free":"100663296B"}]}]}`;
    expect(parseVgs(vgs)).toEqual([{ name: 'vg', uuid: 'u', sizeBytes: 205520896n, freeBytes: 100663296n }]);
    expect(parseLvs('{"report":[{"lv":[]}]}')).toEqual([]);
    expect(() => parseLvs('  WARNING: not json')).toThrow(/not JSON/);
  });

  it('tells each failure apart by its stderr, one predicate per case', () => {
    expect(isLvmNoDeviceMapper(failed(NO_DM, 3))).toBe(true);
    expect(
      isLvmNotFound(failed('  Volume group "nosuchvg" not found\n  Cannot process volume group nosuchvg\n')),
    ).toBe(true);
    expect(isLvmNotFound(failed('  Failed to find logical volume "vg/nope"\n'))).toBe(true);
    expect(
      isLvmInsufficientSpace(
        failed('  Volume group "vg" has insufficient free space (24 extents): 2560 required.\n'),
      ),
    ).toBe(true);
    expect(isLvmExists(failed('  Logical Volume "lv1" already exists in volume group "vg"\n'))).toBe(true);
    expect(isLvmNoDeviceMapper(failed('  Logical Volume "lv1" already exists in volume group "vg"\n'))).toBe(
      false,
    );
  });

  it('keeps stderr and says device-mapper is missing in plain words', () => {
    const err = toLvmError(failed(NO_DM, 3)) as { code: string; message: string; fields: { stderr: string } };
    expect(err.code).toBe('ERR_NO_DEVICE_MAPPER');
    expect(err.message).toMatch(/^the kernel has no device-mapper; LVM volumes cannot be activated/);
    expect(err.fields.stderr).toBe(NO_DM);
  });

  it('gives the first line that is not a warning as the message of other failures', () => {
    const stderr =
      '  WARNING: Activation disabled. No device-mapper interaction will be attempted.\n  Logical Volume "lv1" already exists in volume group "vg"\n';
    expect(errorLine(stderr)).toBe('Logical Volume "lv1" already exists in volume group "vg"');
    expect(toLvmError(failed(stderr))).toMatchObject({
      code: 'ERR_VOLUME_EXISTS',
      message: 'Logical Volume "lv1" already exists in volume group "vg"; choose another name',
    });
    const full = '  Volume group "vg" has insufficient free space (24 extents): 2560 required.\n';
    expect(toLvmError(failed(full))).toMatchObject({ code: 'ERR_NO_SPACE' });
    expect(toLvmError(failed("  Run `lvcreate --help' for more information.\n"))).toMatchObject({
      code: 'ERR_OPERATION_FAILED',
      message: "lvcreate failed: Run `lvcreate --help' for more information.",
    });
  });
});

describe('qemu-img info JSON', () => {
  it('reads format, sizes and the backing file', () => {
    const json = `{"backing-filename-format": "qcow2", "virtual-size": 1073741824, "filename": "/tmp/y.qcow2", "format": "qcow2", "actual-size": 200704, "full-backing-filename": "/tmp/x.qcow2", "backing-filename": "/tmp/x.qcow2", "dirty-flag": false}`;
    expect(parseImageInfo(json)).toEqual({
      format: 'qcow2',
      virtualSizeBytes: 1073741824n,
      actualSizeBytes: 200704n,
      backingFilename: '/tmp/x.qcow2',
      backingFormat: 'qcow2',
    });
  });

  it('refuses output without a format or size', () => {
    expect(() => parseImageInfo('{"filename": "x"}')).toThrow(/lacks format or virtual-size/);
    expect(() => parseImageInfo('qemu-img: error')).toThrow(/not JSON/);
  });
});
