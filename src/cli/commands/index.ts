import type { Command } from '../command.js';
import { consoleCommand } from './console.js';
import { domainInfoCommands } from './domain-info.js';
import { domainLifecycleCommands } from './domain-lifecycle.js';
import { domainResourceCommands } from './domain-resources.js';
import { domainLiveCommands } from './domain-live.js';
import { domainInputCommands } from './domain-input.js';
import { domainMetadataCommands } from './domain-metadata.js';
import { domainStatsCommands } from './domain-stats.js';
import { domainDeviceCommands } from './domain-devices.js';
import { domainLinkCommands } from './domain-link.js';
import { hostValidateCommand } from './host-validate.js';
import { versionCommand } from './version.js';
import { poolCommands } from './pool.js';
import { volumeCommands } from './volume.js';
import { volumeTransferCommands } from './volume-transfer.js';
import { networkCommands } from './network.js';
import { networkUpdateCommands } from './network-update.js';

/** Every verb of `tsvirt`, in the order `tsvirt help` lists them. */
export const commands: Command[] = [
  ...domainInfoCommands,
  ...domainLifecycleCommands,
  ...domainResourceCommands,
  ...domainLiveCommands,
  ...domainInputCommands,
  ...domainMetadataCommands,
  ...domainStatsCommands,
  ...domainDeviceCommands,
  ...domainLinkCommands,
  consoleCommand,
  ...poolCommands,
  ...volumeCommands,
  ...volumeTransferCommands,
  ...networkCommands,
  ...networkUpdateCommands,
  hostValidateCommand,
  versionCommand,
];
