/**
 * The issuer's Veramo agent is the services' did:ethr agent (`#platform` `createEthrAgent`:
 * kms-local behind a mandatory SecretBox, DID and key stores on the issuer's one database, a
 * cached did:ethr resolver, JWT credentials). No DataStore plugin: issued credentials hold
 * personal data and are never stored (data minimisation, docs/issuer.md).
 */
export {
  createEthrAgent as createIssuerAgent,
  type CreateEthrAgentParameters as CreateIssuerAgentParameters,
  type EthrAgent as IssuerAgent,
} from '#platform';
