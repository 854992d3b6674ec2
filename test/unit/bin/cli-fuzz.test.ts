import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { main } from '../../../bin/cli';
import { hasUnsafeCharacters } from '../../../shared/kernel/text/escape';
import { fuzz } from '../../helpers/fuzz';

// Offline commands only: `lifecycle preview --repository` and `scaling simulate` are left out, they read AWS or traces.
const command = fc.oneof(
  fc.constantFrom('validate', 'schedule', 'alert', 'help', '--help'),
  fc.string({ maxLength: 10 }),
);
const argument = fc.oneof(
  fc.constantFrom('-h', '--help', 'next', 'render', '--config', '--count', '--zone', '--', '-x'),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

describe('CLI fuzz (issue 18)', () => {
  it('answers any arguments with exit 0, 1 or 2 and escaped lines, never a throw', async () => {
    await fc.assert(
      fc.asyncProperty(
        command.filter((c) => !['lifecycle', 'scaling'].includes(c)),
        fc.array(argument, { maxLength: 4 }),
        async (first, rest) => {
          const lines: string[] = [];
          const code = await main([first, ...rest], {
            log: (l) => lines.push(l),
            error: (l) => lines.push(l),
          });
          expect([0, 1, 2]).toContain(code);
          for (const line of lines) expect(hasUnsafeCharacters(line)).toBe(false);
        },
      ),
      fuzz(200),
    );
  });

  it.each(['toString', '__proto__', 'constructor', 'hasOwnProperty'])(
    'answers "%s", a name every object inherits, as an unknown command with exit 2',
    async (name) => {
      const lines: string[] = [];

      const code = await main([name], { log: (l) => lines.push(l), error: (l) => lines.push(l) });

      expect(code).toBe(2);
      expect(lines[0]).toMatch(new RegExp(`^Unknown command "${name}"`));
    },
  );
});
