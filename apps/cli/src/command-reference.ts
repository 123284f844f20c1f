/** The README's command reference, generated from the table of commands (a test keeps them equal). */
import type { CommandSpec, OptionSpec } from './command-spec.js';

export const REFERENCE_START = '<!-- command reference: generated from src/command-table.ts -->';
export const REFERENCE_END = '<!-- end of command reference -->';

/** Text for Markdown: `<dir>` outside code spans would be read as an HTML tag. */
const prose = (text: string): string =>
  text
    .split('`')
    .map((part, i) => (i % 2 ? part : part.replaceAll('<', '&lt;').replaceAll('>', '&gt;')))
    .join('`');

const cell = (text: string): string => prose(text).replaceAll('|', '\\|');

function optionCell(o: OptionSpec): string {
  const long = `--${o.name}${o.type === 'string' ? ` ${o.value ?? '<value>'}` : ''}`;
  return cell(`\`${long}\`${o.short ? `, \`-${o.short}\`` : ''}`);
}

function commandReference(spec: CommandSpec): string {
  const out = [
    `### \`etl ${spec.name}\``,
    '',
    `${spec.summary[0]!.toUpperCase()}${spec.summary.slice(1)}.`,
    '',
    '```',
    `etl ${spec.name} ${spec.usage}`,
    '```',
    '',
    '| option | default | meaning |',
    '| --- | --- | --- |',
    ...spec.options.map(
      (o) => `| ${optionCell(o)} | ${cell(o.defaultText ?? o.default ?? '')} | ${cell(o.help)} |`,
    ),
  ];
  if (spec.input) out.push('', `**Input:** ${prose(spec.input)}`);
  for (const note of spec.notes ?? []) out.push('', prose(note));
  return out.join('\n');
}

/** Markdown for every command, between the markers the README keeps it in. */
export function markdownReference(table: readonly CommandSpec[]): string {
  return [REFERENCE_START, '', ...table.map(commandReference).flatMap((c) => [c, '']), REFERENCE_END].join(
    '\n',
  );
}
