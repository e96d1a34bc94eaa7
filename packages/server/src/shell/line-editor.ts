/** What a {@link LineEditor} reports. */
export type EditorEvent =
  | { kind: 'line'; line: string }
  /** Ctrl-C: the caller cancels what runs (the editor has already dropped the line being typed). */
  | { kind: 'interrupt' }
  /** Ctrl-D on an empty line, or the input ended. */
  | { kind: 'eof' };

export interface LineEditorOptions {
  /** Echo and edit keystrokes (a terminal without local echo: an SSH session with a pty). */
  interactive: boolean;
  /** Writes to the terminal (only used when interactive). */
  write(text: string): void;
  /** Completes the word before the cursor: returns candidates for `words` (the line so far, split). */
  complete?(line: string): string[];
  /** Lines kept for Up/Down; default 200. */
  historySize?: number;
}

const ESC = '\x1b';

/**
 * A small line editor for the management shell: it turns the bytes a
 * terminal sends into lines. Interactive mode echoes, and understands
 * Backspace, Ctrl-U (kill line), Ctrl-W (kill word), Ctrl-C, Ctrl-D, Ctrl-L,
 * Up/Down history and Tab completion; anything else with ESC is ignored.
 * Non-interactive mode (no pty: `ssh host < script`) just splits lines.
 */
export class LineEditor {
  private buffer = '';
  private escape = '';
  private lastWasCR = false;
  private readonly history: string[] = [];
  private historyIndex = 0;
  private prompt = '';

  constructor(private readonly options: LineEditorOptions) {}

  /** Shows `prompt` and starts a new line. */
  showPrompt(prompt: string): void {
    this.prompt = prompt;
    if (this.options.interactive) this.options.write(prompt + this.buffer);
  }

  /** Feeds input; returns what it completed, in order. */
  feed(data: string): EditorEvent[] {
    const out: EditorEvent[] = [];
    for (const ch of data) {
      if (this.escape !== '') {
        this.escape += ch;
        if (this.escape.length === 2 && ch !== '[' && ch !== 'O') this.escape = '';
        else if (this.escape.length > 2 && /[A-Za-z~]/.test(ch)) {
          this.onEscape(this.escape);
          this.escape = '';
        } else if (this.escape.length > 8) this.escape = '';
        continue;
      }
      if (ch === '\n' && this.lastWasCR) {
        this.lastWasCR = false;
        continue;
      }
      this.lastWasCR = ch === '\r';
      if (ch === '\r' || ch === '\n') {
        const line = this.buffer;
        this.buffer = '';
        if (this.options.interactive) this.options.write('\r\n');
        if (line.trim() !== '' && this.history[this.history.length - 1] !== line) {
          this.history.push(line);
          if (this.history.length > (this.options.historySize ?? 200)) this.history.shift();
        }
        this.historyIndex = this.history.length;
        out.push({ kind: 'line', line });
      } else if (!this.options.interactive) {
        if (ch === '\x04') out.push({ kind: 'eof' });
        else this.buffer += ch;
      } else if (ch === ESC) {
        this.escape = ESC;
      } else if (ch === '\x7f' || ch === '\b') {
        if (this.buffer.length > 0) {
          this.buffer = [...this.buffer].slice(0, -1).join('');
          this.options.write('\b \b');
        }
      } else if (ch === '\x03') {
        this.buffer = '';
        this.options.write('^C\r\n');
        out.push({ kind: 'interrupt' });
      } else if (ch === '\x04') {
        if (this.buffer === '') out.push({ kind: 'eof' });
      } else if (ch === '\x15') {
        this.replace('');
      } else if (ch === '\x17') {
        this.replace(this.buffer.replace(/\S+\s*$/, ''));
      } else if (ch === '\x0c') {
        this.options.write(`${ESC}[H${ESC}[2J${this.prompt}${this.buffer}`);
      } else if (ch === '\t') {
        this.completeWord();
      } else if (ch >= ' ') {
        this.buffer += ch;
        this.options.write(ch);
      }
    }
    return out;
  }

  private replace(text: string): void {
    const erase = [...this.buffer].length;
    this.buffer = text;
    this.options.write(`${'\b'.repeat(erase)}${' '.repeat(erase)}${'\b'.repeat(erase)}${text}`);
  }

  private onEscape(seq: string): void {
    const key = seq.slice(-1);
    if (key === 'A' && this.historyIndex > 0) {
      this.historyIndex--;
      this.replace(this.history[this.historyIndex] ?? '');
    } else if (key === 'B' && this.historyIndex < this.history.length) {
      this.historyIndex++;
      this.replace(this.history[this.historyIndex] ?? '');
    }
  }

  private completeWord(): void {
    const candidates = this.options.complete?.(this.buffer) ?? [];
    if (candidates.length === 0) return;
    const partial = /(\S*)$/.exec(this.buffer)?.[1] ?? '';
    if (candidates.length === 1) {
      const rest = (candidates[0] as string).slice(partial.length) + ' ';
      this.buffer += rest;
      this.options.write(rest);
      return;
    }
    let common = candidates[0] as string;
    for (const c of candidates) while (!c.startsWith(common)) common = common.slice(0, -1);
    if (common.length > partial.length) {
      const rest = common.slice(partial.length);
      this.buffer += rest;
      this.options.write(rest);
      return;
    }
    this.options.write(`\r\n${candidates.join('  ')}\r\n${this.prompt}${this.buffer}`);
  }
}
