/**
 * Runs async sections one at a time, in the order they were asked for.
 * A section that throws does not block the ones after it.
 */
export class AsyncMutex {
  private tail: Promise<unknown> = Promise.resolve();
  private depth = 0;

  /** Sections queued or running. */
  get pending(): number {
    return this.depth;
  }

  run<T>(section: () => Promise<T> | T): Promise<T> {
    this.depth++;
    const result = this.tail.then(section);
    this.tail = result.then(
      () => {
        this.depth--;
      },
      () => {
        this.depth--;
      },
    );
    return result;
  }
}
