/**
 * The verifier's chain side, through `#contracts` only: whether a revocation root is one the
 * issuer published on `RevocationRegistry` and still acceptable under a policy (current, or
 * superseded less than the policy's maximum root age ago). An RPC failure is an error, never a
 * "yes" (SECURITY-CASES A11).
 */
import { isRootAccepted, type ReadClient } from '#contracts';
import type { RootTerms } from './domain/verification.js';
import { VerifierError } from './errors.js';

export function registryRootCheck(
  publicClient: ReadClient,
  gate: `0x${string}`,
): (issuerKeyHash: bigint, root: bigint, terms: RootTerms) => Promise<boolean> {
  return async (issuerKeyHash, root, terms) => {
    try {
      return await isRootAccepted(publicClient, {
        gate,
        issuerKeyHash,
        root,
        maxRootAge: BigInt(terms.maxRootAgeSeconds),
        now: BigInt(terms.now),
      });
    } catch (cause) {
      throw new VerifierError('chain_unreachable', 'the revocation registry cannot be read', {
        cause,
      });
    }
  };
}
