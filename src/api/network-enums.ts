/** libvirt's network flag and enum values, as the wire carries them (libvirt-network.h). */

/** virConnectListAllNetworksFlags. */
export const ListNetworksFlags = {
  INACTIVE: 1 << 0, // networks that are not running
  ACTIVE: 1 << 1, // networks that are running
  PERSISTENT: 1 << 2, // networks with a persistent definition
  TRANSIENT: 1 << 3, // networks without one
  AUTOSTART: 1 << 4, // networks marked to start with the host
  NO_AUTOSTART: 1 << 5, // networks not so marked
} as const;

/** virNetworkXMLFlags. */
export const NetworkXmlFlags = {
  INACTIVE: 1 << 0, // the persistent definition rather than the live one
} as const;

/** virNetworkEventLifecycleType. */
export const NetworkEvent = {
  DEFINED: 0, // a persistent definition was stored
  UNDEFINED: 1, // the persistent definition was removed
  STARTED: 2, // the network started
  STOPPED: 3, // the network stopped
} as const;

/** virNetworkUpdateCommand. */
export const NetworkUpdateCommand = {
  MODIFY: 1, // replace the matching item
  DELETE: 2, // remove the matching item
  ADD_LAST: 3, // append the item
  ADD_FIRST: 4, // prepend the item
} as const;

/** virNetworkUpdateSection (those tsvirt updates; the others are refused by number). */
export const NetworkUpdateSection = {
  IP_DHCP_HOST: 4, // <ip><dhcp><host>
  DNS_HOST: 10, // <dns><host>
} as const;

/** virNetworkUpdateFlags. */
export const NetworkUpdateFlags = {
  AFFECT_CURRENT: 0, // the live definition when running, else the persistent one
  AFFECT_LIVE: 1 << 0, // the running network
  AFFECT_CONFIG: 1 << 1, // the persistent definition
} as const;
