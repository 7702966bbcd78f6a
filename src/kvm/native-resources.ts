import { TsvirtError } from '../errors.js';
import { MAP_FAILED, nameErrno, sysClose, sysMunmap, type SysResult } from './libc.js';

/** File descriptors and mappings taken during one KVM session, released together in reverse order. */
export class NativeResources {
  private readonly releases: Array<() => void> = [];

  /** Takes an fd from a call's result, or throws ERR_KVM_IOCTL naming the step and errno. */
  fd(step: string, result: SysResult<number>): number {
    const fd = checkSys(step, result);
    this.releases.push(() => sysClose(fd));
    return fd;
  }

  /** Takes a mapping from mmap's result, or throws ERR_KVM_IOCTL naming the step and errno. */
  mapping(step: string, result: SysResult<bigint>, lengthBytes: number): bigint {
    if (result.value === MAP_FAILED) throw sysError(step, result.errno);
    const address = result.value;
    this.releases.push(() => sysMunmap(address, lengthBytes));
    return address;
  }

  /** Releases everything taken, newest first; returns how many releases failed. */
  releaseAll(): number {
    let failures = 0;
    for (const release of this.releases.splice(0).reverse()) {
      try {
        release();
      } catch {
        failures++;
      }
    }
    return failures;
  }
}

/** The value of a successful call, or ERR_KVM_IOCTL naming the step and errno. */
export function checkSys(step: string, result: SysResult<number>): number {
  if (result.value < 0) throw sysError(step, result.errno);
  return result.value;
}

function sysError(step: string, errno: number): TsvirtError {
  const name = nameErrno(errno);
  return new TsvirtError('ERR_KVM_IOCTL', `${step} failed: ${name}`, { step, errno: name });
}
