/**
 * `--merge`: a run of some suites replaces their own sections of an existing results file and leaves the
 * others as they are (a suite's section is its `## <title>` heading up to the next `## ` heading). A suite
 * the file does not have yet is appended at the end.
 */
export function mergeSuiteSections(existing: string, sections: Array<{ title: string; markdown: string }>): string {
  const parts = existing.replace(/\n+$/, '').split(/\n(?=## )/);
  for (const section of sections) {
    const at = parts.findIndex((p) => p.startsWith(`## ${section.title}\n`) || p === `## ${section.title}`);
    if (at >= 0) parts[at] = section.markdown;
    else parts.push(section.markdown);
  }
  return `${parts.join('\n\n').replace(/\n{3,}(?=## )/g, '\n\n')}\n`;
}
