#!/usr/bin/env node
// `zkrep`: the project's command line. The TypeScript sources run through tsx's loader.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../wallet-agent/cli.ts');
const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});
process.exit(code);
