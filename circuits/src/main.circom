pragma circom 2.1.6;

include "credential_query.circom";

// 8 attribute slots, 4 predicates, revocation tree depth 24 (2^24 = 16,777,216 ids per issuer tree).
component main {public [revocationRoot, time, scope, signalHash]} = CredentialQuery(8, 4, 24);
