/** Markdown tables and small formatting helpers for RESULTS.md. */

export type Align = 'left' | 'right';

export interface Table {
  headers: string[];
  rows: string[][];
  /** Per column; default: left for the first column, right for the others. */
  align?: Align[];
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function markdownTable(table: Table): string {
  const align = table.headers.map((_, i) => table.align?.[i] ?? (i === 0 ? 'left' : 'right'));
  const line = (cells: string[]) => `| ${cells.map(escapeCell).join(' | ')} |`;
  return [
    line(table.headers),
    `| ${align.map((a) => (a === 'right' ? '---:' : ':---')).join(' | ')} |`,
    ...table.rows.map((row) => line(table.headers.map((_, i) => row[i] ?? ''))),
  ].join('\n');
}

export function passFail(pass: boolean | null): string {
  if (pass === null) return 'n/a';
  return pass ? 'PASS' : '**FAIL**';
}

/** A fenced code block. */
export function codeBlock(text: string, lang = ''): string {
  return `\`\`\`${lang}\n${text.replace(/\n+$/, '')}\n\`\`\``;
}
