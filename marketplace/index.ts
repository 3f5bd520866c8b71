/**
 * `#marketplace`: the demo marketplace's public API. Explicit named exports only.
 */
export { API_VERSION, createApp, type MarketplaceDeps } from './app.js';
export { loadMarketplaceConfig, type MarketplaceConfig } from './config.js';
export { MarketplaceError } from './errors.js';
export { advance, type ActionInput, type ActionView, type MarketChain } from './domain/actions.js';
export { DEMO_POLICIES, type EnsuredPolicy, type PolicyName } from './domain/policies.js';
export {
  startMarketplace,
  type RunningMarketplace,
  type StartMarketplaceOptions,
} from './service.js';
