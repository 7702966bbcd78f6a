/** libvirt's public enums and flags, as the wire and the C headers number them: one place to import them from. */
export * from './domain-enums.js';
export * from './storage-enums.js';
