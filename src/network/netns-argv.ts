/** Argument lists for tools that have no namespace option of their own (dnsmasq, nft, sysctl; pure). */

/** `argv` as run inside the named network namespace (`ip netns exec NAME ...`), or as is without one. */
export function buildInNetnsArgv(netns: string | undefined, argv: readonly string[]): string[] {
  // `ip netns exec` enters the namespace and executes the command in place: the pid stays the tool's.
  return netns === undefined ? [...argv] : ['ip', 'netns', 'exec', netns, ...argv];
}
