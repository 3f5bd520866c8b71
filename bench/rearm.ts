/**
 * Re-arming for load runs that send the same prepared answers again and again (bench/api.ts and
 * the sustained-load test in test/e2e/faults.e2e.test.ts): a proof costs about a second to make,
 * so a sustained load of real verifications sets each completed proof request back to pending
 * between two sends of its answer.
 */
import Database from 'better-sqlite3';

/**
 * Re-arming completed proof requests on the verifier's SQLite file (WAL mode, so this second
 * connection and the verifier's own take turns at writing; the busy timeout matches the
 * verifier's). `sweep` sets every completed request back to pending and deletes its verification
 * record and its data key (a completion makes a new one), in one write transaction; the nullifier
 * binding stays (the next answer is a renewal).
 */
export function openRearm(file: string): { sweep: () => void; close: () => void; rearmed: number } {
  const db = new Database(file, { timeout: 60_000 });
  const deleteRecords = db.prepare(
    `DELETE FROM verifier_verification_record WHERE request_id IN
       (SELECT id FROM verifier_proof_request WHERE status <> 'pending')`,
  );
  const deleteKeys = db.prepare(
    `DELETE FROM verifier_data_key WHERE id IN
       (SELECT id FROM verifier_proof_request WHERE status <> 'pending')`,
  );
  const reopen = db.prepare(
    `UPDATE verifier_proof_request SET status = 'pending', account = NULL WHERE status <> 'pending'`,
  );
  const tx = db.transaction(() => {
    deleteRecords.run();
    deleteKeys.run();
    state.rearmed += reopen.run().changes;
  });
  const state = {
    rearmed: 0,
    sweep: () => void tx.immediate(), // BEGIN IMMEDIATE: waits for the writer lock up front
    close: () => {
      if (db.open) db.close();
    },
  };
  return state;
}
