/**
 * Runs async sections one at a time, in the order they were asked for.
 * A section that throws does not block the ones after it.
 */
export class AsyncMutex {
  /** Settles when the last queued section has; dropped when nothing is queued (memory: one mutex per service). */
  private tail: Promise<unknown> | undefined;
  private depth = 0;

  /** Sections queued or running. */
  get pending(): number {
    return this.depth;
  }

  run<T>(section: () => Promise<T> | T): Promise<T> {
    this.depth++;
    const result = (this.tail ?? Promise.resolve()).then(section);
    const done = (): void => {
      this.depth--;
      if (this.tail === tail) this.tail = undefined;
    };
    const tail: Promise<unknown> = result.then(done, done);
    this.tail = tail;
    return result;
  }
}
