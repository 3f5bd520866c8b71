#!/usr/bin/env node
// `zkrep`: the project's command line. The TypeScript sources run through tsx's loader.
// `zkrep report …` is the verifier's report checker; everything else is the wallet's CLI.
import { register } from 'tsx/esm/api';

register();
const argv = process.argv.slice(2);
const io = {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
};
const code =
  argv[0] === 'report'
    ? await (await import('../verifier/report-cli.ts')).runReportCli(argv.slice(1), io)
    : await (await import('../wallet-agent/cli.ts')).runCli(argv, io);
process.exit(code);
