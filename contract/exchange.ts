// What the validating proxy said about each exchange of a case: Prism's problem+json for a violation
// (--errors), or the sl-violations header (without --errors), turned into readable lines.
import type { Answer } from './checks.js';

const PRISM_PROBLEM = 'https://stoplight.io/prism/errors#';
/** The location of what the proxy itself reports (unreachable server, its own errors), not a spec path. */
export const PROXY = 'proxy';

export type Violation = { location: string; message: string };

type PrismValidation = { location?: unknown; message?: unknown };

/** The spec violations reported for one response of the validating proxy. */
export async function violationsOf(response: Response): Promise<Violation[]> {
  const found: Violation[] = [];
  const header = response.headers.get('sl-violations');
  if (header) found.push(...fromValidations(safeJson(header)));
  const type = response.headers.get('content-type') ?? '';
  if (type.includes('application/problem+json')) {
    const problem = safeJson(await response.clone().text()) as Record<string, unknown> | undefined;
    if (problem?.type === 'FetchError') {
      // Prism could not reach the server at all.
      found.push({ location: PROXY, message: `the server did not answer: ${String(problem.title)}` });
    } else if (typeof problem?.type === 'string' && problem.type.startsWith(PRISM_PROBLEM)) {
      const listed = fromValidations(problem.validation);
      found.push(
        ...(listed.length > 0
          ? listed
          : [{ location: PROXY, message: `${String(problem.title)}: ${String(problem.detail ?? '')}` }]),
      );
    }
  }
  return dedupe(found);
}

function fromValidations(value: unknown): Violation[] {
  if (!Array.isArray(value)) return [];
  return value.map((item: PrismValidation) => ({
    location: Array.isArray(item.location) ? item.location.join('.') : 'unknown',
    message: typeof item.message === 'string' ? item.message : JSON.stringify(item),
  }));
}

function dedupe(violations: Violation[]): Violation[] {
  const seen = new Set<string>();
  return violations.filter((v) => {
    const key = `${v.location}\n${v.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export type Recorder = {
  /**
   * A fetch for the SDK, aimed at the strict proxy: adds the case's Prefer hint and records the
   * proxy's verdicts. When the strict proxy answers a violation in place of the server's response, the
   * request is sent once more through the forwarding proxy so that the case sees what the server
   * actually answered (a 200 to a wrong secret, say), not only Prism's 500.
   */
  fetch: typeof fetch;
  /** Sets the Prefer hint of the next requests (for a mock upstream; real servers ignore it, RFC 7240). */
  prefer: (hint: string | undefined) => void;
  /** Takes the violations recorded since the last call. */
  take: () => Violation[];
  /** The last answer the case saw: its status, headers and OAuth `error`. */
  last: () => Answer | undefined;
};

export function createRecorder(strictUrl: string, laxUrl: string): Recorder {
  let hint: string | undefined;
  let recorded: Violation[] = [];
  let last: Answer | undefined;
  return {
    fetch: async (input, init) => {
      const request = new Request(input, init);
      if (hint) request.headers.set('prefer', hint);
      const replay = request.clone();
      let response = await fetch(request);
      const violations = await violationsOf(response);
      recorded.push(...violations);
      if (isProxyVerdict(response) && violations.every((v) => v.location.startsWith('response'))) {
        const url = new URL(replay.url);
        const lax = new URL(laxUrl);
        if (url.origin === new URL(strictUrl).origin) {
          url.protocol = lax.protocol;
          url.host = lax.host;
          const body = replay.method === 'GET' ? undefined : await replay.text();
          response = await fetch(url, { method: replay.method, headers: replay.headers, body: body ?? null });
        }
      }
      last = await answerOf(response);
      return response;
    },
    prefer: (value) => {
      hint = value;
    },
    take: () => {
      const taken = dedupe(recorded);
      recorded = [];
      return taken;
    },
    last: () => last,
  };
}

/** Status, headers and the OAuth `error` of a response, read from a copy of its body. */
export async function answerOf(response: Response): Promise<Answer> {
  const body = safeJson(await response.clone().text());
  const error = (body as { error?: unknown } | undefined)?.error;
  return {
    status: response.status,
    headers: response.headers,
    ...(typeof error === 'string' && { error }),
  };
}

/** Prism's own answer (problem+json of its error catalogue), not the server's. */
function isProxyVerdict(response: Response): boolean {
  return (
    response.status === 500 &&
    (response.headers.get('content-type') ?? '').includes('application/problem+json') &&
    response.headers.has('sl-violations')
  );
}
