import type { CaseResult } from './cases.js';
import { PROXY, type Violation } from './exchange.js';

/** One line per case, then the details of a failure indented below it. */
export function textReport(results: CaseResult[]): string {
  const lines: string[] = [];
  for (const result of results) {
    lines.push(
      `${result.passed ? 'PASS' : 'FAIL'}  ${result.name}${result.summary ? ` — ${result.summary}` : ''}`,
    );
    for (const problem of result.problems) lines.push(`        ${problem}`);
    for (const violation of result.violations) lines.push(`        ${describe(violation)}`);
  }
  const failed = results.filter((r) => !r.passed).length;
  lines.push(`${results.length} cases: ${results.length - failed} passed, ${failed} failed`);
  return lines.join('\n');
}

/** A JUnit XML report (the schema Jenkins, GitLab and GitHub test reporters read). */
export function junitReport(results: CaseResult[], server: string, timestamp = new Date()): string {
  const failures = results.filter((r) => !r.passed).length;
  const seconds = (ms: number) => (ms / 1000).toFixed(3);
  const total = seconds(results.reduce((sum, r) => sum + r.durationMs, 0));
  const suite = `passflow-m2m contract: ${server}`;
  const cases = results.map((result) => {
    const open = `    <testcase classname="passflow-m2m.contract" name="${xml(result.name)}" time="${seconds(result.durationMs)}"`;
    if (result.passed)
      return `${open}>\n      <system-out>${xml(result.summary)}</system-out>\n    </testcase>`;
    const details = [...result.problems, ...result.violations.map(describe)];
    return `${open}>\n      <failure message="${xml(details[0] ?? 'failed')}" type="contract">${xml(details.join('\n'))}</failure>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="passflow-m2m contract" tests="${results.length}" failures="${failures}" time="${total}">`,
    `  <testsuite name="${xml(suite)}" tests="${results.length}" failures="${failures}" errors="0" skipped="0" time="${total}" timestamp="${timestamp.toISOString()}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
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

function describe(violation: Violation): string {
  return violation.location === PROXY
    ? `proxy: ${violation.message}`
    : `spec violation at ${violation.location}: ${violation.message}`;
}
