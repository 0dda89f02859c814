/**
 * The `check` options of the kernel-workflow features (patch review, baselines, quiet progress), in the
 * shape of a command option table ({ name, value?, help }): the parser flags and the help text come from here.
 */
export const WORKFLOW_CHECK_OPTIONS: readonly { name: string; value?: string; help: string }[] = [
  { name: '--diff', value: '<rev>', help: 'Only findings on lines the working tree changed since a git revision\n(or whose map/allocation is on one); paths restrict the files.' },
  { name: '--patch', value: '<file|->', help: 'Only findings on lines a unified diff or format-patch mail adds,\napplied in memory to this tree (or already applied to it).' },
  { name: '--baseline', value: '<report.json|report.sarif>', help: 'Drop findings an earlier report had (matched by rule, file, function\nand fingerprint: moved lines still match).' },
  { name: '--quiet', help: 'No progress and no notes on stderr (progress shows only on a terminal, never in CI).' },
];
