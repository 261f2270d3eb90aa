import type { ConformanceReport } from './report.ts';

/** The report as a plain-text table: check, result, first counterexample (or why it was skipped). */
export function printReport(report: ConformanceReport): string {
  const rows = report.checks.map((c) => [c.name, c.status.toUpperCase(), `${c.requests}`, `${c.ms}`, c.counterexample ?? c.reason ?? '']);
  const header = ['check', 'result', 'requests', 'ms', 'first counterexample'];
  const widths = header.slice(0, 4).map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i < 4 ? cell.padEnd(widths[i]) : cell))
      .join('  ')
      .trimEnd();
  const failed = report.checks.filter((c) => c.status === 'fail').length;
  const skipped = report.checks.filter((c) => c.status === 'skip').length;
  const verdict = report.ok ? 'CONFORMS' : failed > 0 ? `DOES NOT CONFORM: ${failed} check${failed === 1 ? '' : 's'} failed` : 'INCOMPLETE: the budget ran out';
  return [
    `exchange ${report.id} at ${report.url} (profile ${report.profile})`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w)).concat('-'.repeat(20))),
    ...rows.map(line),
    '',
    `${verdict}; ${report.checks.length - failed - skipped} passed, ${failed} failed, ${skipped} skipped; ${report.requests} requests in ${report.ms} ms`,
  ].join('\n');
}
