/**
 * The issuer's Veramo agent: the services' did:ethr agent (`#platform` `createEthrAgent`: kms-local
 * behind a mandatory SecretBox, DID and key stores on the issuer's one database, a cached did:ethr
 * resolver, JWT credentials). No DataStore plugin: issued credentials hold personal data and are
 * never stored (data minimisation, docs/issuer.md).
 */
import { createEthrAgent, type CreateEthrAgentParameters, type EthrAgent } from '#platform';

export type IssuerAgent = EthrAgent;
export type CreateIssuerAgentParameters = CreateEthrAgentParameters;

/** Builds the issuer agent; refuses to start without a well-formed KMS secret. */
export function createIssuerAgent(params: CreateIssuerAgentParameters): IssuerAgent {
  return createEthrAgent(params);
}
