import type { CaseResult, Check, Verdict } from './checks.js';
import { PROXY, type Violation } from './exchange.js';

const CASE_LABEL: Record<Verdict, string> = { pass: 'PASS', fail: 'FAIL', 'n/a': 'N/A ' };
const CHECK_LABEL: Record<Verdict, string> = { pass: 'ok  ', fail: 'FAIL', 'n/a': 'n/a ' };

/** A line per case, then every check of it and every spec violation, indented below. */
export function textReport(results: CaseResult[]): string {
  const lines: string[] = [];
  for (const result of results) {
    lines.push(`${CASE_LABEL[result.verdict]}  ${result.name}`);
    for (const check of result.checks)
      lines.push(`        ${CHECK_LABEL[check.verdict]}  ${describeCheck(check)}`);
    for (const violation of result.violations) lines.push(`        FAIL  ${describeViolation(violation)}`);
  }
  lines.push(summary(results));
  return lines.join('\n');
}

/** "8 cases: 5 passed, 2 failed, 1 not applicable" */
export function summary(results: CaseResult[]): string {
  const count = (verdict: Verdict) => results.filter((r) => r.verdict === verdict).length;
  const notApplicable = count('n/a');
  return `${results.length} cases: ${count('pass')} passed, ${count('fail')} failed${
    notApplicable > 0 ? `, ${notApplicable} not applicable` : ''
  }`;
}

/** A JUnit XML report (the schema Jenkins, GitLab and GitHub test reporters read); n/a cases are skipped. */
export function junitReport(results: CaseResult[], server: string, timestamp = new Date()): string {
  const failures = results.filter((r) => r.verdict === 'fail').length;
  const skipped = results.filter((r) => r.verdict === 'n/a').length;
  const seconds = (ms: number) => (ms / 1000).toFixed(3);
  const total = seconds(results.reduce((sum, r) => sum + r.durationMs, 0));
  const suite = `passflow-m2m contract: ${server}`;
  const cases = results.map((result) => {
    const open = `    <testcase classname="passflow-m2m.contract" name="${xml(result.name)}" time="${seconds(result.durationMs)}"`;
    const details = [
      ...result.checks.map((check) => `${CHECK_LABEL[check.verdict].trim()}: ${describeCheck(check)}`),
      ...result.violations.map(describeViolation),
    ];
    const out = `      <system-out>${xml(details.join('\n'))}</system-out>`;
    if (result.verdict === 'pass') return `${open}>\n${out}\n    </testcase>`;
    if (result.verdict === 'n/a') {
      const reason = result.checks.find((check) => check.verdict === 'n/a')?.detail ?? 'not applicable';
      return `${open}>\n      <skipped message="${xml(`not applicable: ${reason}`)}"/>\n${out}\n    </testcase>`;
    }
    const failed = result.checks.find((check) => check.verdict === 'fail');
    const first = failed
      ? describeCheck(failed)
      : result.violations[0] && describeViolation(result.violations[0]);
    return `${open}>\n      <failure message="${xml(first ?? 'failed')}" type="contract">${xml(details.join('\n'))}</failure>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="passflow-m2m contract" tests="${results.length}" failures="${failures}" skipped="${skipped}" time="${total}">`,
    `  <testsuite name="${xml(suite)}" tests="${results.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${total}" timestamp="${timestamp.toISOString()}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

function describeCheck(check: Check): string {
  return `${check.name}: ${check.detail} [${check.source}]`;
}

function xml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '');
}

function describeViolation(violation: Violation): string {
  return violation.location === PROXY
    ? `proxy: ${violation.message}`
    : `spec violation at ${violation.location}: ${violation.message}`;
}
