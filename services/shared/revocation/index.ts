export { RevocationFeed, type RevocationFeedOptions } from './revocation-feed.js';
export { type RevocableToken, type Revocation, RevocationSet } from './revocation-set.js';
