/**
 * Where the gas of one gated verification goes (docs/contracts.md 6.3): a real proof of the real
 * circuit against a gate compiled with the real key, on an anvil started with `--steps-tracing`,
 * then `debug_traceTransaction` with the default struct logger, summed per opcode (calls to the
 * precompiles per address, with what they consumed).
 *
 *   npx tsx contracts/test/trace-gas.ts
 */
import { createTestClient, getAddress, http, type Address } from 'viem';
import { zkGateAbi } from '../ts/abi.js';
import { startAnvil } from '../ts/chain.js';
import { createClients } from '../ts/clients.js';
import { deploy } from '../ts/deploy.js';
import { createZkCoreProofSource } from './fixture/zk-core-source.js';
import { latestTime, proveFor, scopeFor, sendTx, verifyArgs, type TestEnv } from './helpers.js';
import { marketplacePolicies, trustIssuerA } from './world.js';

type StructLog = { op: string; gas: number; gasCost: number; depth: number; stack?: string[] };

const chain = await startAnvil({ extraArgs: ['--steps-tracing'] });
const proofs = await createZkCoreProofSource();
try {
  const { publicClient } = createClients({ rpcUrl: chain.rpcUrl, chainId: chain.chainId });
  const accounts = (
    (await publicClient.request({ method: 'eth_accounts' } as never)) as Address[]
  ).map((a) => getAddress(a));
  const wallet = (i: number) =>
    createClients({ rpcUrl: chain.rpcUrl, chainId: chain.chainId, account: accounts[i]! })
      .walletClient;
  const policies = marketplacePolicies(proofs.world);
  const { deployment } = await deploy({
    publicClient,
    walletClient: wallet(0),
    verifierSourcePath: proofs.verifierSourcePath,
    verificationKey: proofs.verificationKey,
    deploymentsDir: null,
    marketplace: policies,
  });
  const env = {
    chain,
    publicClient,
    testClient: createTestClient({ mode: 'anvil', transport: http(chain.rpcUrl) }),
    accounts,
    wallet,
    proofs,
    deployment,
    gate: deployment.contracts.zkGate.address,
    extraAbis: [],
  } as unknown as TestEnv;
  await trustIssuerA(env);
  const policyId = BigInt(deployment.policies!.age);
  const policy = { policyId, scope: scopeFor(env, policyId), policy: policies.agePolicy };
  const at = (await latestTime(env)) + 10n;
  const proof = await proveFor(env, { holder: 'trace', account: accounts[3]!, policy, time: at });
  const { receipt, error } = await sendTx(
    env,
    wallet(3),
    {
      address: env.gate,
      abi: zkGateAbi,
      functionName: 'verify',
      args: verifyArgs(policyId, proof),
    },
    { timestamp: at },
  );
  if (error) throw new Error(`verify reverted: ${error.name}`);

  const trace = (await publicClient.request({
    method: 'debug_traceTransaction',
    params: [receipt.transactionHash, {}],
  } as never)) as { structLogs: StructLog[] };
  const rows = new Map<string, { count: number; gas: number }>();
  let execution = 0;
  trace.structLogs.forEach((log, i) => {
    if (log.depth !== 1) return;
    let key = log.op;
    let cost = log.gasCost;
    if (log.op === 'STATICCALL') {
      // What the call really consumed: gas before it minus gas at the next step of this frame.
      const next = trace.structLogs.slice(i + 1).find((l) => l.depth === 1);
      cost = next ? log.gas - next.gas : cost;
      key = `STATICCALL ${log.stack?.[log.stack.length - 2] ?? '?'}`;
    }
    const row = rows.get(key) ?? { count: 0, gas: 0 };
    rows.set(key, { count: row.count + 1, gas: row.gas + cost });
    execution += cost;
  });
  const input = (await publicClient.getTransaction({ hash: receipt.transactionHash })).input;
  const bytes = Buffer.from(input.slice(2), 'hex');
  const zeros = bytes.filter((b) => b === 0).length;
  console.log(`gasUsed ${receipt.gasUsed}; execution ${execution}`);
  console.log(
    `intrinsic 21000; calldata ${bytes.length} bytes (${zeros} zero) = ${zeros * 4 + (bytes.length - zeros) * 16}`,
  );
  for (const [op, { count, gas }] of [...rows].sort((a, b) => b[1].gas - a[1].gas)) {
    console.log(`${op.padEnd(16)} ${String(count).padStart(5)} ${String(gas).padStart(8)}`);
  }
} finally {
  await proofs.close();
  await chain.stop();
}
