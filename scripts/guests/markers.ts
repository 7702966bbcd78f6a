/** Line the boot-sector guest prints on COM1 before it halts. */
export const BOOT_SECTOR_MARKER = 'TSVIRT-BOOT-OK';

/** Line the Linux guest's /init prints on ttyS0 once its drivers are loaded (once per boot). */
export const LINUX_READY_MARKER = 'TSVIRT-LINUX-READY';

/** Line the Linux guest prints right before `poweroff -f` (power button or `tsvirt.poweroff=N`). */
export const LINUX_POWEROFF_MARKER = 'TSVIRT-LINUX-POWEROFF';

/** Line the Linux guest prints right before `reboot -f` (`tsvirt.reboot=N`). */
export const LINUX_REBOOT_MARKER = 'TSVIRT-LINUX-REBOOT';
