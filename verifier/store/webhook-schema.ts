/**
 * The verifier's webhook outbox: one row per event to deliver to a marketplace, written in the
 * same transaction that completes the proof request (see `verifier/domain/webhooks.ts`). Data
 * minimisation as in `schema.ts`: the payload is the exact JSON body sent — ids, an outcome and
 * whatever the caller puts in `data`, never an attribute value.
 *
 * `request_id` is unique: one completion event per proof request, whoever enqueues it twice.
 * Times are unix seconds in BIGINT columns read back with `Number()`; `attempts` and
 * `last_status` are plain integers.
 */
import { bigintColumn, createTablesMigration, ddl, nullableBigintColumn } from '#platform';
import { EntitySchema } from 'typeorm';

export type WebhookStatus = 'pending' | 'delivered' | 'failed';

/** The longest webhook URL accepted (and the width of its column). */
export const WEBHOOK_URL_MAX_LENGTH = 2048;

/** One webhook event and the state of its delivery. */
export interface WebhookDeliveryRow {
  /** The event id (`evt_…`): receivers dedupe on it (deliveries are at-least-once). */
  id: string;
  /** The proof request the event is about (unique). */
  requestId: string;
  marketplaceId: string;
  url: string;
  /** The exact JSON body, sent unchanged on every attempt. */
  payload: string;
  status: WebhookStatus;
  /** Delivery attempts made so far (successful or not). */
  attempts: number;
  /** The next attempt is due when now >= nextAttemptAt. */
  nextAttemptAt: number;
  /** A dispatcher holds the row until then (null: free). */
  leaseUntil: number | null;
  /** The HTTP status of the last attempt (null: none yet, network error or timeout). */
  lastStatus: number | null;
  deliveredAt: number | null;
  createdAt: number;
}

export const WebhookDeliveryEntity = new EntitySchema<WebhookDeliveryRow>({
  name: 'VerifierWebhookDelivery',
  tableName: 'verifier_webhook_delivery',
  columns: {
    id: { type: 'varchar', length: 64, primary: true },
    requestId: { name: 'request_id', type: 'varchar', length: 64, unique: true },
    marketplaceId: { name: 'marketplace_id', type: 'varchar', length: 64 },
    url: { type: 'varchar', length: WEBHOOK_URL_MAX_LENGTH },
    payload: { type: 'text' },
    status: { type: 'varchar', length: 16 },
    attempts: { type: 'integer' },
    nextAttemptAt: { name: 'next_attempt_at', ...bigintColumn },
    leaseUntil: { name: 'lease_until', ...nullableBigintColumn },
    lastStatus: { name: 'last_status', type: 'integer', nullable: true },
    deliveredAt: { name: 'delivered_at', ...nullableBigintColumn },
    createdAt: { name: 'created_at', ...bigintColumn },
  },
});

export const WEBHOOK_ENTITIES = [WebhookDeliveryEntity];

const { text, bigint: big } = ddl;

/** Creates the webhook outbox (portable DDL through TypeORM's schema builder). */
export const CreateVerifierWebhookTables1764720000000 = createTablesMigration(
  'CreateVerifierWebhookTables1764720000000',
  () => [
    {
      name: 'verifier_webhook_delivery',
      columns: [
        { ...text('id', 64), isPrimary: true },
        text('request_id', 64),
        text('marketplace_id', 64),
        text('url', WEBHOOK_URL_MAX_LENGTH),
        { name: 'payload', type: 'text' },
        text('status', 16),
        { name: 'attempts', type: 'integer' },
        big('next_attempt_at'),
        big('lease_until', true),
        { name: 'last_status', type: 'integer', isNullable: true },
        big('delivered_at', true),
        big('created_at'),
      ],
      indices: [
        {
          name: 'verifier_webhook_delivery_request',
          columnNames: ['request_id'],
          isUnique: true,
        },
        // The dispatcher's scan: pending rows by due time.
        { name: 'verifier_webhook_delivery_due', columnNames: ['status', 'next_attempt_at'] },
      ],
    },
  ],
);

export const WEBHOOK_MIGRATIONS = [CreateVerifierWebhookTables1764720000000];
