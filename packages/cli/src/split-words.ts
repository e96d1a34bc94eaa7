import { UsageError } from './errors';

/**
 * Splits a command line into words the way a POSIX shell does, without
 * expansions: blanks separate words; '…' keeps everything literally; "…"
 * keeps everything except that a backslash escapes `"`, `\`, `$` and a
 * backquote; outside quotes a backslash escapes the next character (and a
 * backslash-newline disappears); a `#` at the start of a word begins a
 * comment. `''` and `""` make empty words.
 *
 * Throws {@link UsageError} on an unterminated quote or a trailing backslash.
 */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  const n = line.length;
  while (i < n) {
    const c = line[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
    } else if (c === '#' && !inWord) {
      break;
    } else if (c === '\\') {
      if (i + 1 >= n) throw new UsageError('the line ends with a backslash that escapes nothing');
      const next = line[i + 1] as string;
      if (next !== '\n') {
        word += next;
        inWord = true;
      }
      i += 2;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new UsageError(`unterminated ' quote starting at column ${i + 1}`);
      word += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      let j = i + 1;
      let closed = false;
      while (j < n) {
        const d = line[j] as string;
        if (d === '"') {
          closed = true;
          break;
        }
        if (d === '\\' && j + 1 < n && '"\\$`\n'.includes(line[j + 1] as string)) {
          if (line[j + 1] !== '\n') word += line[j + 1];
          j += 2;
        } else {
          word += d;
          j++;
        }
      }
      if (!closed) throw new UsageError(`unterminated " quote starting at column ${i + 1}`);
      inWord = true;
      i = j + 1;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}
