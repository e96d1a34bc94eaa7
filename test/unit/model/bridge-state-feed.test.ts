import { BridgeStateFeed, type BridgeState } from '@dpb/model';

describe('BridgeStateFeed', () => {
  test('delivers queued states in order, after the call, to every listener; a throwing listener does not stop the others', async () => {
    const feed = new BridgeStateFeed();
    const seen: string[] = [];
    feed.subscribe(() => {
      throw new Error('faulty listener');
    });
    feed.subscribe((s: BridgeState) => seen.push(`${s.id}:${s.condition}`));
    feed.push({ id: 'a', condition: 'pending' });
    feed.push({ id: 'a', condition: 'up' });
    expect(feed.pending).toBe(2);
    const done = feed.flush();
    expect(seen).toEqual([]); // never inside the call
    await done;
    expect(seen).toEqual(['a:pending', 'a:up']);
    expect(feed.pending).toBe(0);
  });

  test('unsubscribed and cleared listeners hear nothing more; listeners get copies', async () => {
    const feed = new BridgeStateFeed();
    const got: BridgeState[] = [];
    const off = feed.subscribe((s) => {
      got.push(s);
      s.condition = 'failed';
    });
    const state: BridgeState = { id: 'b', condition: 'up' };
    feed.push(state);
    await feed.flush();
    expect(state.condition).toBe('up');
    off();
    feed.push({ id: 'b', condition: 'absent' });
    await feed.flush();
    expect(got.map((s) => s.id)).toEqual(['b']);
    const other: BridgeState[] = [];
    feed.subscribe((s) => other.push(s));
    feed.clear();
    feed.push({ id: 'c', condition: 'up' });
    await feed.flush();
    expect(other).toEqual([]);
  });
});
