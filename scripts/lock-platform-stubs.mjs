#!/usr/bin/env node
/**
 * Keeps package-lock.json installable with `npm ci` from a registry that serves only this
 * platform's native packages (as here: e.g. @foundry-rs/anvil-darwin-* answer 404).
 *
 * `npm install` silently leaves such optional, other-platform packages out of the lock, and
 * `npm ci` then refuses the lock ("Missing: … from lock file"). This adds, for each optional
 * dependency that has no lock entry, a stub entry with its version and the os/cpu read from its
 * name, so `npm ci` accepts the lock and skips the package on every other platform.
 *
 * Run after any dependency change: `npm install && node scripts/lock-platform-stubs.mjs`.
 * `--check` exits 1 (listing them) if stubs are missing, without writing.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const pkgs = lock.packages;

const OS = [
  'darwin',
  'win32',
  'linux',
  'android',
  'freebsd',
  'openbsd',
  'netbsd',
  'sunos',
  'aix',
  'openharmony',
];
const CPU = [
  ['arm64', /arm64|aarch64/],
  ['x64', /x64|amd64|x86_64/],
  ['ia32', /ia32/],
  ['arm', /-arm(-|$)|armv7|gnueabihf|musleabihf|eabi/],
  ['ppc64', /ppc64/],
  ['s390x', /s390x/],
  ['riscv64', /riscv64/],
  ['loong64', /loong64/],
  ['wasm32', /wasm32/],
];

function platformOf(name) {
  const base = name.split('/').pop();
  const os = OS.find((o) => base.split('-').includes(o));
  const cpu = CPU.find(([, re]) => re.test(base))?.[0];
  return { os, cpu };
}

/** Where npm would place `name` when required from `from` (a lock key). */
function resolves(from, name) {
  let dir = from;
  for (;;) {
    const key = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
    if (pkgs[key]) return true;
    if (!dir) return false;
    const i = dir.lastIndexOf('/node_modules/');
    dir = i >= 0 ? dir.slice(0, i) : '';
  }
}

const missing = [];
for (const [key, meta] of Object.entries(pkgs)) {
  for (const [name, range] of Object.entries(meta.optionalDependencies ?? {})) {
    if (resolves(key, name)) continue;
    const { os, cpu } = platformOf(name);
    if (!os || !cpu) {
      console.error(`lock-platform-stubs: cannot tell the platform of ${name}; add it by hand`);
      process.exitCode = 1;
      continue;
    }
    missing.push({ name, version: String(range).replace(/^[\^~=]/, ''), os, cpu });
  }
}

if (process.argv.includes('--check')) {
  for (const m of missing)
    console.error(`lock-platform-stubs: missing stub for ${m.name}@${m.version}`);
  process.exit(missing.length > 0 ? 1 : (process.exitCode ?? 0));
}
for (const m of missing) {
  pkgs[`node_modules/${m.name}`] = { version: m.version, optional: true, os: [m.os], cpu: [m.cpu] };
}
// keep the lock's key order stable (npm sorts node_modules entries)
lock.packages = Object.fromEntries(
  Object.entries(pkgs).sort(([a], [b]) =>
    a === '' ? -1 : b === '' ? 1 : a.localeCompare(b, 'en'),
  ),
);
writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.log(`lock-platform-stubs: added ${missing.length} stub(s)`);
