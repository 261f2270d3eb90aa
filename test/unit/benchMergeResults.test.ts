import { describe, expect, it } from 'vitest';
import { mergeSuiteSections } from '../../bench/mergeResults.ts';

const FILE = ['# Benchmark results', 'header table', '## Alpha suite', 'alpha old', '### Targets', 'alpha targets', '## Beta suite', 'beta old', ''].join(
  '\n\n',
);

describe('bench --merge', () => {
  it('replaces the section of a suite that was run and keeps the header and the other suites as they were', () => {
    const merged = mergeSuiteSections(FILE, [{ title: 'Alpha suite', markdown: '## Alpha suite\n\nalpha new\n\n### Targets\n\nnew targets' }]);
    expect(merged).toContain('# Benchmark results\n\nheader table');
    expect(merged).toContain('## Alpha suite\n\nalpha new\n\n### Targets\n\nnew targets');
    expect(merged).not.toContain('alpha old');
    expect(merged).not.toContain('alpha targets');
    expect(merged).toContain('## Beta suite\n\nbeta old');
    expect(merged.indexOf('## Alpha suite')).toBeLessThan(merged.indexOf('## Beta suite'));
  });

  it('appends the section of a suite the file does not have yet, after the others', () => {
    const merged = mergeSuiteSections(FILE, [{ title: 'Gamma suite', markdown: '## Gamma suite\n\ngamma' }]);
    expect(merged).toContain('alpha old');
    expect(merged).toContain('beta old');
    expect(merged.trimEnd().endsWith('## Gamma suite\n\ngamma')).toBe(true);
  });
});
