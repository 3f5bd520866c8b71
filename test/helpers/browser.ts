/**
 * Real headless Chromium for page tests, installed by npm alone: `@sparticuz/chromium` ships the
 * browser inside the package (unpacked to the temp folder on first use), driven by
 * `playwright-core`. Screenshots are kept under `test-artifacts/` (gitignored) for people to look
 * at after a run.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import chromium from '@sparticuz/chromium';
import { chromium as playwright, type Browser } from 'playwright-core';

export const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url).pathname;

export async function launchBrowser(): Promise<Browser> {
  return playwright.launch({
    executablePath: await chromium.executablePath(),
    args: chromium.args,
    headless: true,
  });
}

/** Where a screenshot named `name` goes (its folder created). */
export function artifactPath(suite: string, name: string): string {
  const dir = join(ARTIFACTS, suite);
  mkdirSync(dir, { recursive: true });
  return join(dir, `${name}.png`);
}
