/**
 * The issuer's revocation tree: a sparse Merkle tree over the credential-id space
 * [0, 2^24). Leaf `id` is 1 when credential `id` is revoked, else 0; a node is
 * Poseidon(left, right); empty subtrees hash to precomputed zero hashes. Only non-empty
 * nodes are stored, so memory grows with the number of revocations (≈ 24 nodes each).
 *
 * Capacity: 2^24 = 16,777,216 credential ids per issuer tree (see docs/protocol.md).
 */
import { ZK_ERROR, ZkError } from './errors.js';
import { MAX_CREDENTIAL_ID, REVOCATION_DEPTH, SNARK_FIELD_SIZE } from './field.js';
import { poseidon } from './poseidon.js';

/** zeroHashes[i] is the root of an empty subtree of height i. */
export const ZERO_HASHES: readonly bigint[] = (() => {
  const z = [0n];
  for (let i = 0; i < REVOCATION_DEPTH; i++) z.push(poseidon([z[i]!, z[i]!]));
  return z;
})();

/** Root of a tree with nothing revoked. */
export const EMPTY_REVOCATION_ROOT: bigint = ZERO_HASHES[REVOCATION_DEPTH]!;

export interface SerializedRevocationTree {
  version: 1;
  depth: number;
  /** Revoked credential ids, ascending, as decimal strings. */
  revoked: string[];
  /** Root as a decimal string, checked on load. */
  root: string;
}

function checkId(id: bigint): bigint {
  if (typeof id !== 'bigint' || id < 0n || id > MAX_CREDENTIAL_ID) {
    throw new ZkError(ZK_ERROR.outOfRange, 'credential id must be in [0, 2^24)');
  }
  return id;
}

export class RevocationTree {
  /** Non-empty nodes: key `${level}:${index}` (level 0 = leaves). */
  private readonly nodes = new Map<string, bigint>();

  private node(level: number, index: bigint): bigint {
    return this.nodes.get(`${level}:${index}`) ?? ZERO_HASHES[level]!;
  }

  get root(): bigint {
    return this.node(REVOCATION_DEPTH, 0n);
  }

  /** Number of revoked ids. */
  get size(): number {
    let n = 0;
    for (const k of this.nodes.keys()) if (k.startsWith('0:')) n++;
    return n;
  }

  isRevoked(id: bigint): boolean {
    return this.node(0, checkId(id)) === 1n;
  }

  /** Revokes `id`; idempotent. Returns the new root. */
  revoke(id: bigint): bigint {
    checkId(id);
    if (this.isRevoked(id)) return this.root;
    this.nodes.set(`0:${id}`, 1n);
    let index = id;
    for (let level = 0; level < REVOCATION_DEPTH; level++) {
      const left = this.node(level, index & ~1n);
      const right = this.node(level, index | 1n);
      index >>= 1n;
      this.nodes.set(`${level + 1}:${index}`, poseidon([left, right]));
    }
    return this.root;
  }

  /** Sibling hashes from the leaf level up: the circuit's `revSiblings`. Throws if revoked. */
  nonMembershipProof(id: bigint): bigint[] {
    if (this.isRevoked(id)) throw new ZkError(ZK_ERROR.revoked, 'credential is revoked');
    const siblings: bigint[] = [];
    let index = id;
    for (let level = 0; level < REVOCATION_DEPTH; level++) {
      siblings.push(this.node(level, index ^ 1n));
      index >>= 1n;
    }
    return siblings;
  }

  /** Revoked ids, ascending. */
  revokedIds(): bigint[] {
    const ids: bigint[] = [];
    for (const [k, v] of this.nodes)
      if (k.startsWith('0:') && v === 1n) ids.push(BigInt(k.slice(2)));
    return ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  serialize(): SerializedRevocationTree {
    return {
      version: 1,
      depth: REVOCATION_DEPTH,
      revoked: this.revokedIds().map(String),
      root: this.root.toString(),
    };
  }

  static deserialize(data: SerializedRevocationTree): RevocationTree {
    if (
      !data ||
      data.version !== 1 ||
      data.depth !== REVOCATION_DEPTH ||
      !Array.isArray(data.revoked)
    ) {
      throw new ZkError(
        ZK_ERROR.badInput,
        'not a serialized revocation tree of this version and depth',
      );
    }
    const tree = new RevocationTree();
    let previous = -1n;
    for (const s of data.revoked) {
      if (typeof s !== 'string' || !/^(0|[1-9][0-9]*)$/.test(s)) {
        throw new ZkError(ZK_ERROR.badEncoding, 'revoked ids must be decimal strings');
      }
      const id = BigInt(s);
      if (id <= previous) {
        throw new ZkError(ZK_ERROR.badInput, 'revoked ids must be strictly ascending');
      }
      previous = id;
      tree.revoke(id);
    }
    if (tree.root.toString() !== data.root) {
      throw new ZkError(
        ZK_ERROR.badInput,
        'serialized revocation tree root does not match its ids',
      );
    }
    return tree;
  }
}

/** Recomputes the root from a non-membership path (the circuit's check, in TS). */
export function verifyNonMembership(
  root: bigint,
  id: bigint,
  siblings: readonly bigint[],
): boolean {
  if (siblings.length !== REVOCATION_DEPTH) return false;
  if (id < 0n || id > MAX_CREDENTIAL_ID) return false;
  let node = 0n;
  for (let level = 0; level < REVOCATION_DEPTH; level++) {
    const sib = siblings[level];
    if (typeof sib !== 'bigint' || sib < 0n || sib >= SNARK_FIELD_SIZE) return false;
    node = (id >> BigInt(level)) & 1n ? poseidon([sib, node]) : poseidon([node, sib]);
  }
  return node === root;
}
