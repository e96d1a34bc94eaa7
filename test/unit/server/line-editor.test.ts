import { type EditorEvent, LineEditor } from '../../../packages/server/src/shell/line-editor';

function editor(interactive: boolean, complete?: (line: string) => string[]) {
  const written: string[] = [];
  const ed = new LineEditor({ interactive, write: (s) => written.push(s), ...(complete ? { complete } : {}) });
  return { ed, screen: () => written.join('') };
}

const lines = (evs: EditorEvent[]) => evs.filter((e) => e.kind === 'line').map((e) => (e as { line: string }).line);

describe('LineEditor', () => {
  it('splits piped input into lines without echo, CRLF counting once', () => {
    const { ed, screen } = editor(false);
    expect(lines(ed.feed('networks list\r\nservices list -n wan\nexit'))).toEqual(['networks list', 'services list -n wan']);
    expect(lines(ed.feed('\n'))).toEqual(['exit']);
    expect(screen()).toBe('');
  });

  it('echoes, edits with Backspace, Ctrl-U and Ctrl-W, and ends lines on Enter', () => {
    const { ed, screen } = editor(true);
    ed.showPrompt('> ');
    expect(lines(ed.feed('netx\x7fworks lisq\x7ft\r'))).toEqual(['networks list']);
    expect(screen()).toContain('> netx\b \bworks');
    expect(lines(ed.feed('garbage\x15trunks list\r'))).toEqual(['trunks list']);
    expect(lines(ed.feed('services show one\x17two\r'))).toEqual(['services show two']);
  });

  it('reports Ctrl-C as an interrupt and drops the line; Ctrl-D only on an empty line', () => {
    const { ed } = editor(true);
    expect(ed.feed('half a line\x03')).toEqual([{ kind: 'interrupt' }]);
    expect(lines(ed.feed('x\x04\r'))).toEqual(['x']);
    expect(ed.feed('\x04')).toEqual([{ kind: 'eof' }]);
  });

  it('recalls history with Up and Down, ignoring other escape sequences', () => {
    const { ed } = editor(true);
    ed.feed('first\rsecond\r');
    expect(lines(ed.feed('\x1b[A\x1b[A\r'))).toEqual(['first']);
    expect(lines(ed.feed('\x1b[A\x1b[B\x1b[B\r'))).toEqual(['']);
    expect(lines(ed.feed('a\x1b[Cb\x1bOPc\r'))).toEqual(['abc']);
  });

  it('completes a unique word with Tab, and lists several', () => {
    const { ed, screen } = editor(true, (line) => ['networks', 'nope'].filter((c) => c.startsWith(line.split(' ').pop() ?? '')));
    ed.showPrompt('> ');
    expect(lines(ed.feed('netw\tlist\r'))).toEqual(['networks list']);
    ed.feed('n\t');
    expect(screen()).toContain('networks  nope');
  });
});
