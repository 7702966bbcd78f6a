import { assignAliases } from './aliases.js';
import { buildChannel, buildControllerNodes, buildInput, buildRedirdev } from './format-bus-devices.js';
import { buildAddressNode as address, buildAliasNode as alias } from './format-identity.js';
import {
  buildAudio,
  buildGraphics,
  buildPanic,
  buildRng,
  buildSound,
  buildVideo,
  buildWatchdog,
} from './format-media.js';
import type { CharDevConfig, DiskConfig, DomainConfig, DomainLiveFacts, InterfaceConfig } from './types.js';
import { formatCpuset } from './units.js';
import { buildClockNode, buildCpuChildren, buildFeaturesNode, buildPmNode } from './format-features.js';
import { buildBootOrderNode, buildDiskDriverAttrs } from './format-disk-options.js';
import { buildMetadataNode, buildNamespaceAttrs, buildQemuCommandlineNode } from './format-namespaces.js';
import { el, renderXml, type XmlNode } from './xml-writer.js';
import { buildBackingStoreNode } from './backing-store-xml.js';

/** How formatDomainXml writes a definition. */
export interface FormatOptions {
  /** Include secrets (graphics passwd=), as libvirt with VIR_DOMAIN_XML_SECURE and in its own files. */
  secure?: boolean;
}

/**
 * Write a DomainConfig as libvirt domain XML (two-space indent, libvirt's element order). With live facts
 * of a running domain it adds what libvirt's dumpxml adds: id='N', device aliases and the actual VNC port.
 */
export function formatDomainXml(
  definition: DomainConfig,
  live?: DomainLiveFacts,
  options: FormatOptions = {},
): string {
  // A running domain shows every alias; one recorded before aliases were kept gets those of a fresh start.
  const config = live ? assignAliases(definition) : definition;
  const root = el(
    'domain',
    [['type', config.type], ['id', live?.id], ...buildNamespaceAttrs(config)],
    [
      el('name', [], config.name),
      el('uuid', [], config.uuid),
      config.title !== undefined && el('title', [], config.title),
      config.description !== undefined && el('description', [], config.description),
      buildMetadataNode(config),
      el('memory', [['unit', 'KiB']], String(config.memoryKiB)),
      el('currentMemory', [['unit', 'KiB']], String(config.currentMemoryKiB)),
      el(
        'vcpu',
        [
          ['placement', config.vcpuPlacement],
          ['cpuset', config.vcpuCpuset && formatCpuset(config.vcpuCpuset)],
          ['current', config.vcpusCurrent],
        ],
        String(config.vcpus),
      ),
      config.vcpupin.length > 0 &&
        el(
          'cputune',
          [],
          config.vcpupin.map((p) =>
            el('vcpupin', [
              ['vcpu', p.vcpu],
              ['cpuset', formatCpuset(p.cpuset)],
            ]),
          ),
        ),
      buildOs(config),
      buildFeaturesNode(config),
      buildCpu(config),
      buildClockNode(config),
      el('on_poweroff', [], config.onPoweroff),
      el('on_reboot', [], config.onReboot),
      el('on_crash', [], config.onCrash),
      buildPmNode(config),
      buildDevices(config, live, options.secure ?? false),
      buildQemuCommandlineNode(config),
    ],
  );
  return renderXml(root);
}

function buildOs(config: DomainConfig): XmlNode {
  const { os } = config;
  return el(
    'os',
    [],
    [
      el(
        'type',
        [
          ['arch', os.arch],
          ['machine', os.machine],
        ],
        os.type,
      ),
      os.kernel !== undefined && el('kernel', [], os.kernel),
      os.initrd !== undefined && el('initrd', [], os.initrd),
      os.cmdline !== undefined && el('cmdline', [], os.cmdline),
      ...os.boot.map((dev) => el('boot', [['dev', dev]])),
    ],
  );
}

function buildCpu(config: DomainConfig): XmlNode | undefined {
  const cpu = config.cpu;
  if (!cpu) return undefined;
  const attrs: XmlNode['attrs'] = [
    ['mode', cpu.mode],
    ['match', cpu.match],
    ['check', cpu.check],
    ['migratable', cpu.migratable === undefined ? undefined : cpu.migratable ? 'on' : 'off'],
  ];
  return el('cpu', attrs, [
    cpu.model !== undefined && el('model', [['fallback', cpu.modelFallback]], cpu.model),
    ...buildCpuChildren(config),
  ]);
}

function buildDevices(config: DomainConfig, live: DomainLiveFacts | undefined, secure: boolean): XmlNode {
  const d = config.devices;
  const serialIndex = (port: number): number => d.serials.findIndex((s) => s.port === port);
  return el(
    'devices',
    [],
    [
      d.emulator !== undefined && el('emulator', [], d.emulator),
      ...d.disks.map((disk) => buildDisk(disk)),
      ...buildControllerNodes(config, live !== undefined),
      ...d.interfaces.map((nic) => buildInterface(nic)),
      ...d.serials.map((s, i) => buildCharDev('serial', s, live?.serialPtys?.[i], s.alias)),
      // A console is the serial it stands for and shows that serial's alias and pty.
      ...d.consoles.map((c) => {
        const i = serialIndex(c.port);
        return buildCharDev('console', c, live?.serialPtys?.[i], d.serials[i]?.alias);
      }),
      ...(d.channels ?? []).map((ch) => buildChannel(ch, live)),
      ...(d.inputs ?? []).map(buildInput),
      ...d.graphics.map((g) => buildGraphics(g, live, secure)),
      ...(d.sounds ?? []).map(buildSound),
      ...(d.audios ?? []).map(buildAudio),
      d.video && buildVideo(d.video),
      ...(d.secondaryVideos ?? []).map((v) => buildVideo(v, false)),
      ...(d.redirdevs ?? []).map(buildRedirdev),
      d.watchdog && buildWatchdog(d.watchdog),
      d.memballoon &&
        el(
          'memballoon',
          [['model', d.memballoon.model]],
          [alias(d.memballoon.alias), address(d.memballoon.address)],
        ),
      ...(d.rngs ?? []).map(buildRng),
      ...(d.panics ?? []).map(buildPanic),
    ],
  );
}

function buildDisk(disk: DiskConfig): XmlNode {
  const src = disk.source;
  const type = src === undefined ? 'file' : src.kind;
  const index: [string, number | undefined] = ['index', disk.nodeIndex];
  const source =
    src === undefined
      ? undefined
      : src.kind === 'file'
        ? el('source', [['file', src.path], index])
        : src.kind === 'block'
          ? el('source', [['dev', src.dev], index])
          : el('source', [['pool', src.pool], ['volume', src.volume], index]);
  return el(
    'disk',
    [
      ['type', type],
      ['device', disk.device],
    ],
    [
      el('driver', [['name', 'qemu'], ['type', disk.format], ...buildDiskDriverAttrs(disk)]),
      source,
      source && buildBackingStoreNode(disk.backingChain),
      el('target', [
        ['dev', disk.targetDev],
        ['bus', disk.bus],
      ]),
      disk.readonly && el('readonly'),
      disk.shareable === true && el('shareable'),
      disk.serial !== undefined && el('serial', [], disk.serial),
      buildBootOrderNode(disk.bootOrder),
      alias(disk.alias),
      address(disk.address),
    ],
  );
}

function buildInterface(nic: InterfaceConfig): XmlNode {
  return el(
    'interface',
    [['type', nic.type]],
    [
      el('mac', [['address', nic.mac]]),
      nic.type === 'bridge' && el('source', [['bridge', nic.bridge]]),
      nic.type === 'network' && el('source', [['network', nic.network]]),
      nic.type !== 'user' && nic.targetDev !== undefined && el('target', [['dev', nic.targetDev]]),
      el('model', [['type', nic.model]]),
      nic.linkState !== undefined && el('link', [['state', nic.linkState]]),
      buildBootOrderNode(nic.bootOrder),
      nic.romEnabled === false && el('rom', [['enabled', 'no']]),
      alias(nic.alias),
      address(nic.address),
    ],
  );
}

function buildCharDev(
  kind: 'serial' | 'console',
  dev: CharDevConfig,
  pty: string | undefined,
  aliasName: string | undefined,
): XmlNode {
  // A running pty serial shows its /dev/pts path, as source and (on a console) as tty.
  const livePty = dev.type === 'pty' ? pty : undefined;
  const source =
    dev.type === 'pty'
      ? livePty !== undefined && el('source', [['path', livePty]])
      : el('source', [
          ['mode', dev.mode],
          ['path', dev.path],
        ]);
  const target =
    kind === 'serial'
      ? el(
          'target',
          [
            ['type', 'isa-serial'],
            ['port', dev.port],
          ],
          [el('model', [['name', 'isa-serial']])],
        )
      : el('target', [
          ['type', 'serial'],
          ['port', dev.port],
        ]);
  const attrs: XmlNode['attrs'] = [
    ['type', dev.type],
    ['tty', kind === 'console' ? livePty : undefined],
  ];
  return el(kind, attrs, [source, target, alias(aliasName)]);
}
