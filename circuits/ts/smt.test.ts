/**
 * smt.ts: the issuer's sparse revocation tree and the TS twin of the circuit's non-membership
 * check (C13, C14). Roots are compared with an independent recursive reference that hashes
 * the whole (sparse) tree from the revoked-id set, not incrementally.
 */
import fc from 'fast-check';
import { expectZkError } from '../../test/helpers/expect.js';
import { ZK_ERROR } from './errors.js';
import { MAX_CREDENTIAL_ID, REVOCATION_DEPTH, SNARK_FIELD_SIZE } from './field.js';
import { poseidon } from './poseidon.js';
import {
  EMPTY_REVOCATION_ROOT,
  RevocationTree,
  type SerializedRevocationTree,
  ZERO_HASHES,
  verifyNonMembership,
} from './smt.js';

const DEPTH = 24;
const MAX_ID = 2n ** 24n - 1n;

/** Zero hashes computed here: z[0] = 0, z[i+1] = Poseidon(z[i], z[i]). */
const Z: bigint[] = [0n];
for (let i = 0; i < DEPTH; i++) Z.push(poseidon([Z[i]!, Z[i]!]));

/** Root of the subtree at (level, index) holding exactly `ids` (all inside that subtree). */
function refNode(level: number, index: bigint, ids: readonly bigint[]): bigint {
  if (ids.length === 0) return Z[level]!;
  if (level === 0) return 1n;
  const bit = BigInt(level - 1);
  const left = ids.filter((id) => ((id >> bit) & 1n) === 0n);
  const right = ids.filter((id) => ((id >> bit) & 1n) === 1n);
  return poseidon([
    refNode(level - 1, 2n * index, left),
    refNode(level - 1, 2n * index + 1n, right),
  ]);
}
const refRoot = (ids: Iterable<bigint>): bigint => refNode(DEPTH, 0n, [...new Set(ids)]);

function treeOf(ids: Iterable<bigint>): RevocationTree {
  const t = new RevocationTree();
  for (const id of ids) t.revoke(id);
  return t;
}

const idArb = fc.oneof(
  fc.bigInt({ min: 0n, max: MAX_ID }),
  fc.bigInt({ min: 0n, max: 15n }), // clustered ids share most of their path
  fc.bigInt({ min: MAX_ID - 15n, max: MAX_ID }),
);

describe('zero hashes and the empty tree', () => {
  it('match an independent chain and the published Poseidon(0, 0)', () => {
    // Poseidon(0, 0) over BN254 with circomlib constants (the Tornado / Semaphore zero value).
    expect(Z[1]).toBe(
      14744269619966411208579211824598458697587494354926760081771325075741142829156n,
    );
    expect(REVOCATION_DEPTH).toBe(DEPTH);
    expect(MAX_CREDENTIAL_ID).toBe(MAX_ID);
    expect(ZERO_HASHES).toEqual(Z);
    expect(ZERO_HASHES.length).toBe(DEPTH + 1);
    expect(EMPTY_REVOCATION_ROOT).toBe(Z[DEPTH]);
  });

  it('a new tree has the empty root, size 0 and no revoked ids', () => {
    const t = new RevocationTree();
    expect(t.root).toBe(Z[DEPTH]);
    expect(t.size).toBe(0);
    expect(t.revokedIds()).toEqual([]);
    expect(t.nonMembershipProof(12345n)).toEqual(Z.slice(0, DEPTH));
  });
});

describe('revoke / isRevoked', () => {
  it('revoke returns the new root, which matches the reference', () => {
    const t = new RevocationTree();
    const r1 = t.revoke(5n);
    expect(r1).toBe(t.root);
    expect(r1).not.toBe(Z[DEPTH]);
    expect(r1).toBe(refRoot([5n]));
    const r2 = t.revoke(MAX_ID);
    expect(r2).not.toBe(r1);
    expect(r2).toBe(refRoot([5n, MAX_ID]));
  });

  it('is idempotent: revoking twice changes neither root, size nor ids', () => {
    const t = treeOf([0n, 7n]);
    const root = t.root;
    expect(t.revoke(7n)).toBe(root);
    expect(t.revoke(0n)).toBe(root);
    expect(t.root).toBe(root);
    expect(t.size).toBe(2);
    expect(t.revokedIds()).toEqual([0n, 7n]);
  });

  it('isRevoked is true exactly for revoked ids', () => {
    const t = treeOf([0n, 2n, MAX_ID]);
    expect(t.isRevoked(0n)).toBe(true);
    expect(t.isRevoked(1n)).toBe(false);
    expect(t.isRevoked(2n)).toBe(true);
    expect(t.isRevoked(3n)).toBe(false);
    expect(t.isRevoked(MAX_ID)).toBe(true);
    expect(t.isRevoked(MAX_ID - 1n)).toBe(false);
  });

  it('refuses ids outside [0, 2^24) with out_of_range', () => {
    const t = new RevocationTree();
    for (const id of [-1n, MAX_ID + 1n, 2n ** 64n, SNARK_FIELD_SIZE, 5, '5', null] as unknown[]) {
      expectZkError(() => t.revoke(id as bigint), ZK_ERROR.outOfRange);
      expectZkError(() => t.isRevoked(id as bigint), ZK_ERROR.outOfRange);
      expectZkError(() => t.nonMembershipProof(id as bigint), ZK_ERROR.outOfRange);
    }
    expect(t.root).toBe(Z[DEPTH]);
    expect(t.size).toBe(0);
  });
});

describe('nonMembershipProof / verifyNonMembership', () => {
  const revoked = [1n, 2n, 1000n, MAX_ID - 1n, 2n ** 23n];
  const tree = treeOf(revoked);
  const root = tree.root;

  it('proves non-revoked ids at the edges of the id space and next to revoked ids', () => {
    for (const id of [0n, 3n, 999n, 1001n, MAX_ID, 2n ** 23n - 1n, 2n ** 23n + 1n, 123456n]) {
      const path = tree.nonMembershipProof(id);
      expect(path).toHaveLength(DEPTH);
      expect(verifyNonMembership(root, id, path)).toBe(true);
      expect(verifyNonMembership(refRoot(revoked), id, path)).toBe(true);
    }
  });

  it('proves ids 0, 1 and 2^24 − 1 in a tree where they are not revoked', () => {
    const t = treeOf([2n, MAX_ID - 1n]);
    for (const id of [0n, 1n, MAX_ID]) {
      expect(verifyNonMembership(t.root, id, t.nonMembershipProof(id))).toBe(true);
    }
  });

  it('throws revoked for revoked ids', () => {
    for (const id of revoked) expectZkError(() => tree.nonMembershipProof(id), ZK_ERROR.revoked);
  });

  it("a neighbour's path does not prove a revoked id (C14)", () => {
    for (const id of revoked) {
      const neighbour = id ^ 1n;
      if (tree.isRevoked(neighbour)) continue;
      const path = tree.nonMembershipProof(neighbour);
      expect(verifyNonMembership(root, neighbour, path)).toBe(true);
      expect(verifyNonMembership(root, id, path)).toBe(false);
    }
  });

  it('the pre-revocation path of an id does not prove it after revocation (C14)', () => {
    for (const id of revoked) {
      const without = treeOf(revoked.filter((x) => x !== id));
      const stalePath = without.nonMembershipProof(id);
      expect(verifyNonMembership(without.root, id, stalePath)).toBe(true); // valid then
      expect(verifyNonMembership(root, id, stalePath)).toBe(false); // not against today's root
    }
  });

  it('a path from before another revocation does not verify against the new root', () => {
    const t = treeOf([10n]);
    const path = t.nonMembershipProof(20n);
    const oldRoot = t.root;
    t.revoke(MAX_ID);
    expect(verifyNonMembership(oldRoot, 20n, path)).toBe(true);
    expect(verifyNonMembership(t.root, 20n, path)).toBe(false);
  });

  it('returns false for out-of-range ids, including id + 2^24 aliases (C13)', () => {
    const path = tree.nonMembershipProof(0n);
    expect(verifyNonMembership(root, 0n, path)).toBe(true);
    for (const id of [-1n, MAX_ID + 1n, 2n ** 24n, 2n ** 25n, 2n ** 64n]) {
      expect(verifyNonMembership(root, id, path)).toBe(false);
    }
  });

  it('returns false for wrong lengths, wrong roots and each tampered sibling', () => {
    const id = 3n;
    const path = tree.nonMembershipProof(id);
    expect(verifyNonMembership(root, id, path.slice(0, DEPTH - 1))).toBe(false);
    expect(verifyNonMembership(root, id, [...path, 0n])).toBe(false);
    expect(verifyNonMembership(root, id, [])).toBe(false);
    for (const wrong of [root + 1n, root - 1n, 0n, Z[DEPTH]!, treeOf([]).root]) {
      expect(verifyNonMembership(wrong, id, path)).toBe(false);
    }
    for (let i = 0; i < DEPTH; i++) {
      const tampered = [...path];
      tampered[i] = (tampered[i]! + 1n) % SNARK_FIELD_SIZE;
      expect(verifyNonMembership(root, id, tampered)).toBe(false);
    }
  });

  it('returns false (does not throw) for siblings outside the field', () => {
    const id = 3n;
    const path = tree.nonMembershipProof(id);
    for (const bad of [path[0]! + SNARK_FIELD_SIZE, -1n]) {
      expect(verifyNonMembership(root, id, [bad, ...path.slice(1)])).toBe(false);
    }
  });
});

describe('serialize / deserialize', () => {
  const tree = treeOf([1000n, 3n, MAX_ID, 0n]);

  it('serializes ascending decimal ids and the root, and round-trips through JSON', () => {
    const data = tree.serialize();
    expect(data).toEqual({
      version: 1,
      depth: DEPTH,
      revoked: ['0', '3', '1000', MAX_ID.toString()],
      root: refRoot([0n, 3n, 1000n, MAX_ID]).toString(),
    });
    const back = RevocationTree.deserialize(
      JSON.parse(JSON.stringify(data)) as SerializedRevocationTree,
    );
    expect(back.root).toBe(tree.root);
    expect(back.revokedIds()).toEqual(tree.revokedIds());
    expect(back.size).toBe(4);
    expect(back.isRevoked(1000n)).toBe(true);
    expect(back.isRevoked(999n)).toBe(false);
  });

  it('round-trips the empty tree', () => {
    const back = RevocationTree.deserialize(new RevocationTree().serialize());
    expect(back.root).toBe(Z[DEPTH]);
    expect(back.size).toBe(0);
  });

  it('refuses a tampered root with bad_input', () => {
    const data = tree.serialize();
    for (const root of [
      (tree.root + 1n).toString(),
      Z[DEPTH]!.toString(),
      '0' + tree.root.toString(),
      ' ' + tree.root.toString(),
      '',
    ]) {
      expectZkError(() => RevocationTree.deserialize({ ...data, root }), ZK_ERROR.badInput);
    }
    // Dropping an id (an "un-revocation") no longer matches the root.
    expectZkError(
      () => RevocationTree.deserialize({ ...data, revoked: data.revoked.slice(1) }),
      ZK_ERROR.badInput,
    );
  });

  it('refuses a wrong version, depth or shape with bad_input', () => {
    const data = tree.serialize();
    for (const bad of [
      { ...data, version: 2 },
      { ...data, version: '1' },
      { ...data, depth: 23 },
      { ...data, depth: 25 },
      { ...data, depth: '24' },
      { ...data, revoked: '0,3' },
      { ...data, revoked: undefined },
      null,
      undefined,
    ] as unknown[]) {
      expectZkError(
        () => RevocationTree.deserialize(bad as SerializedRevocationTree),
        ZK_ERROR.badInput,
      );
    }
  });

  it('refuses non-decimal ids with bad_encoding and out-of-range ids with out_of_range', () => {
    const base = new RevocationTree().serialize();
    for (const id of ['01', '-1', '0x1', ' 1', '1 ', '1e3', '', '1.0', 1, 1n, null] as unknown[]) {
      expectZkError(
        () => RevocationTree.deserialize({ ...base, revoked: [id as string] }),
        ZK_ERROR.badEncoding,
      );
    }
    expectZkError(
      () => RevocationTree.deserialize({ ...base, revoked: [(MAX_ID + 1n).toString()] }),
      ZK_ERROR.outOfRange,
    );
  });

  it('round-trips any revoked set (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(idArb, { maxLength: 10 }), (ids) => {
        const t = treeOf(ids);
        const back = RevocationTree.deserialize(t.serialize());
        expect(back.root).toBe(t.root);
        expect(back.revokedIds()).toEqual([...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      }),
      { numRuns: 20 },
    );
  });
});

describe('order independence', () => {
  it('the root depends only on the revoked set, not the insertion order or repeats (property)', () => {
    fc.assert(
      fc.property(
        fc
          .uniqueArray(idArb, { minLength: 0, maxLength: 10 })
          .chain((ids) =>
            fc.tuple(
              fc.constant(ids),
              fc.shuffledSubarray(ids, { minLength: ids.length, maxLength: ids.length }),
              fc.array(fc.constantFrom(...(ids.length > 0 ? ids : [0n])), { maxLength: 3 }),
            ),
          ),
        ([ids, shuffled, repeats]) => {
          const a = treeOf(ids);
          const b = treeOf([...shuffled, ...(ids.length > 0 ? repeats : [])]);
          expect(b.root).toBe(a.root);
          expect(a.root).toBe(refRoot(ids));
          expect(b.size).toBe(ids.length);
          expect(b.revokedIds()).toEqual(a.revokedIds());
        },
      ),
      { numRuns: 25 },
    );
  });

  it('distinct revoked sets give distinct roots (property)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(idArb, { maxLength: 5 }),
        fc.uniqueArray(idArb, { maxLength: 5 }),
        (a, b) => {
          const sa = new Set(a);
          const same = sa.size === new Set(b).size && b.every((x) => sa.has(x));
          if (!same) expect(treeOf(a).root).not.toBe(treeOf(b).root);
        },
      ),
      { numRuns: 20 },
    );
  });
});

describe('deserialize ordering', () => {
  it('refuses duplicate or unsorted ids', () => {
    const t = new RevocationTree();
    t.revoke(2n);
    t.revoke(9n);
    const good = t.serialize();
    expect(RevocationTree.deserialize(good).root).toBe(t.root);
    for (const revoked of [
      ['9', '2'],
      ['2', '2', '9'],
    ]) {
      expect(() => RevocationTree.deserialize({ ...good, revoked })).toThrow(/strictly ascending/);
    }
  });
});
