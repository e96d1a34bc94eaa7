import { splitWords, UsageError } from '@dpb/cli';
import fc from 'fast-check';

describe('splitWords', () => {
  test.each([
    ['services list', ['services', 'list']],
    ['  a\t b  \n c ', ['a', 'b', 'c']],
    [`create --handle 'my service' x`, ['create', '--handle', 'my service', 'x']],
    [`"a \\"quoted\\" word" b`, ['a "quoted" word', 'b']],
    [`"keep \\n as is"`, ['keep \\n as is']],
    [`a\\ b c`, ['a b', 'c']],
    [`'it'\\''s'`, [`it's`]],
    [`'' ""`, ['', '']],
    [`x'y'"z"`, ['xyz']],
    ['a # comment', ['a']],
    ['a#b', ['a#b']],
    ['line \\\ncontinued', ['line', 'continued']],
    ['', []],
  ])('%p', (line, words) => {
    expect(splitWords(line)).toEqual(words);
  });

  test.each([`'open`, `"open`, `a "b`, 'trailing\\'])('refuses %p with a usage error', (line) => {
    expect(() => splitWords(line)).toThrow(UsageError);
  });

  test('any list of words survives single-quoting and splitting', () => {
    const quote = (w: string): string => `'${w.replace(/'/g, `'\\''`)}'`;
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 12 }), { maxLength: 8 }), (words) => {
        expect(splitWords(words.map(quote).join(' '))).toEqual(words);
      }),
    );
  });
});
