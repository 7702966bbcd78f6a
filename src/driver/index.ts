export { DEFAULT_JOB_WAIT_MS, QemuDriver } from './driver.js';
export type { QemuDriverOptions } from './driver.js';
export type { ReloadReport } from './adopt.js';
export type { DriverTimeouts, HostFacts } from './context.js';
export type { GuestResourceProvider } from './guest-resources.js';
export { RevertStack } from './revert-stack.js';
export {
  EventType,
  DefinedDetail,
  UndefinedDetail,
  StartedDetail,
  SuspendedDetail,
  ResumedDetail,
  StoppedDetail,
  ShutdownDetail,
  RunningReason,
  PausedReason,
  ShutdownReason,
  ShutoffReason,
  ListFlags,
  CreateFlags,
  DestroyFlags,
  PowerFlags,
  XmlFlags,
  ModificationImpact,
  MemoryStatTag,
  VcpuState,
} from '../api/domain-enums.js';
export { checkAction } from './state-machine.js';
export type { DomainAction, ActionVerdict } from './state-machine.js';
