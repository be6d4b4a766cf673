// What a contract case finds: a list of checks, each with its verdict, what was expected and what came,
// and the document the requirement comes from.
import type { Violation } from './exchange.js';

/** `n/a`: the check does not apply to this server (an opaque token has no claims to read). */
export type Verdict = 'pass' | 'fail' | 'n/a';

export type Check = {
  /** What is checked, e.g. "wrong secret rejected". */
  name: string;
  verdict: Verdict;
  /** pass: what came; fail: "expected …, got …"; n/a: why it does not apply. */
  detail: string;
  /** The document the requirement comes from, e.g. "RFC 6749 §5.2". */
  source: string;
  /** A step the case needs (a token to revoke), not its point: passing it alone does not pass the case. */
  setup?: true;
};

export type CaseResult = {
  name: string;
  verdict: Verdict;
  checks: Check[];
  /** What Prism's validating proxy reported about the case's requests and responses. */
  violations: Violation[];
  durationMs: number;
};

/** The documents requirements come from, as the report names them. */
export const DOC = {
  spec: 'openapi/passflow-m2m.yaml',
  guide: 'the Passflow M2M guide',
  rfc6749: (section: string) => `RFC 6749 §${section}`,
  rfc7009: (section: string) => `RFC 7009 §${section}`,
  rfc8414: (section: string) => `RFC 8414 §${section}`,
  rfc9068: (section: string) => `RFC 9068 §${section}`,
} as const;

/** The checks of one case, in the order they were made. */
export class Checks {
  readonly list: Check[] = [];

  pass(name: string, detail: string, source: string, setup = false): true {
    this.list.push({ name, verdict: 'pass', detail, source, ...(setup && { setup: true }) });
    return true;
  }

  fail(name: string, expected: string, got: string, source: string): false {
    this.list.push({ name, verdict: 'fail', detail: `expected ${expected}, got ${got}`, source });
    return false;
  }

  notApplicable(name: string, reason: string, source: string): void {
    this.list.push({ name, verdict: 'n/a', detail: reason, source });
  }

  /** A pass with `got` as its detail when `ok`, else a failure "expected …, got …". */
  expect(ok: boolean, name: string, expected: string, got: string, source: string): boolean {
    return ok ? this.pass(name, got, source) : this.fail(name, expected, got, source);
  }
}

/**
 * A case fails on any failed check or spec violation; it is not applicable when none of its own checks
 * (its setup steps aside) applies.
 */
export function caseVerdict(checks: Check[], violations: Violation[]): Verdict {
  if (violations.length > 0 || checks.some((check) => check.verdict === 'fail')) return 'fail';
  const own = checks.filter((check) => !check.setup);
  if (own.length > 0 && own.every((check) => check.verdict === 'n/a')) return 'n/a';
  return 'pass';
}

/** "200", "400 invalid_client", or what happened instead of an answer. */
export function describeAnswer(answer: Answer): string {
  if (answer.status === 0) return `no answer (${answer.error ?? 'network failure'})`;
  return answer.error ? `${answer.status} ${answer.error}` : String(answer.status);
}

/** What the server answered to one request: the status and the OAuth `error` of the body, if any. */
export type Answer = { status: number; error?: string | undefined; headers?: Headers };

export function quoted(values: readonly string[]): string {
  return `"${values.join(' ')}"`;
}
