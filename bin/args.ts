import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed<O extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; allowPositionals: true }>
>;

/**
 * The one way every command reads its arguments: parseArgs with positionals, a parse error as its
 * message and the command's usage (exit 2), `--help` as the usage (exit 0). Returns the parsed
 * arguments, or the exit code when the command is done.
 */
export function commandArgs<O extends Options>(
  args: string[],
  options: O,
  help: string,
  out: { log(line: string): void; error(line: string): void },
): Parsed<O> | number {
  let parsed: Parsed<O>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true });
  } catch (error) {
    // parseArgs explains unknown options and missing values itself.
    out.error(`${(error as Error).message}\n\n${help}`);
    return 2;
  }
  if ((parsed.values as { help?: unknown }).help) {
    out.log(help);
    return 0;
  }
  return parsed;
}
