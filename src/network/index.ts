/** The network driver: virtual networks, their XML, their store and the data plane's seam. */
export { NetworkDriver, type NetworkDriverOptions } from './network-driver.js';
export type { NetworkBackend, NetworkPart, HostNetwork, DhcpLeaseRecord } from './backend.js';
export { buildNetworkPorts, type NetworkPortResolver } from './network-ports.js';
export { buildAddressSources } from './address-sources.js';
export { buildDanglingNicWarnings, type RunningNic } from './dangling-nics.js';
export { HostBackend, type HostBackendOptions } from './host-backend.js';
export { parseNetworkXml } from './network-xml.js';
export { formatNetworkXml } from './network-format.js';
export type { NetworkDef, ParsedNetwork } from './network-def.js';
