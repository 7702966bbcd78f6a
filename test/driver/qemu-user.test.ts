import { describe, expect, it } from 'vitest';
import { findInAccountFiles, lookupUser } from '../../src/driver/qemu-user.js';
import { rejectionOf } from '../tsvirt-error.js';

const PASSWD = `root:x:0:0:root:/root:/bin/bash
# a comment
tsvirt-qemu:x:999:995:tsvirt qemu guests:/nonexistent:/usr/sbin/nologin
`;
const GROUP = `root:x:0:
kvm:x:995:
disk:x:6:tsvirt-qemu,alice
libvirt-qemu:x:64055:
`;

describe('whom qemu runs as', () => {
  it('finds the user and group by name or +ID in the account files, with the groups listing the user', () => {
    expect(findInAccountFiles(PASSWD, GROUP, 'tsvirt-qemu', 'kvm')).toEqual({
      name: 'tsvirt-qemu',
      uid: 999,
      gid: 995,
      groups: [995, 6],
    });
    expect(findInAccountFiles(PASSWD, GROUP, '+999', '+64055')).toEqual({
      name: 'tsvirt-qemu',
      uid: 999,
      gid: 64055,
      groups: [64055, 995, 6],
    });
  });

  it('leaves a user or group the files do not have to the other name services', () => {
    expect(findInAccountFiles(PASSWD, GROUP, 'nobody-here', 'kvm')).toBeUndefined();
    expect(findInAccountFiles(PASSWD, GROUP, 'root', 'no-such-group')).toBeUndefined();
  });

  it('names a missing user and what to do in the error', async () => {
    const checked = await rejectionOf(lookupUser('tsvirt-no-such-user', 'root'));
    expect(checked.code).toBe('ERR_CONFIG_FILE');
    expect(checked.message).toMatch(
      /the user 'tsvirt-no-such-user' that qemu runs as does not exist; create it/,
    );
  });
});
