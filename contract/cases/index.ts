import type { Case } from '../kit.js';
import { JWKS_CASE } from './jwks.js';
import { REFUSAL_CASES } from './refusals.js';
import { REVOCATION_CASE } from './revocation.js';
import { TOKEN_CASES } from './token.js';

/** Every contract case, in the order the report lists them. */
export const CASES: Case[] = [...TOKEN_CASES, ...REFUSAL_CASES, REVOCATION_CASE, JWKS_CASE];
