/**
 * Framing of the DPB JSON protocol (dpb-interfaces.md §2.3): every JSON
 * object travels as a 4-byte big-endian length followed by that many bytes
 * of UTF-8 JSON text. Transport-free: servers and clients feed it bytes from
 * whatever stream they have (an SSH channel, a socket, a file).
 */
import { TextDecoder } from 'node:util';

/** Largest frame accepted when nobody says otherwise: 1 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;

/** Bytes of the length prefix. */
export const FRAME_HEADER_BYTES = 4;

/**
 * Why a frame could not be decoded.
 *
 * - `oversize`: the length prefix is larger than the decoder's maximum;
 * - `negative-length`: the prefix has its top bit set (DPB writes a Java `int`);
 * - `truncated`: the stream ended in the middle of a frame;
 * - `invalid-utf8`: the frame's bytes are not UTF-8;
 * - `invalid-json`: the text is not JSON;
 * - `not-object`: the JSON value is not an object (an array, a string, null...).
 *
 * The first three are *fatal*: frame boundaries are lost (or the stream is
 * over), so nothing after them can be read. The other three are confined to
 * one frame and decoding continues with the next.
 */
export type FrameErrorKind = 'oversize' | 'negative-length' | 'truncated' | 'invalid-utf8' | 'invalid-json' | 'not-object';

const FATAL: ReadonlySet<FrameErrorKind> = new Set<FrameErrorKind>(['oversize', 'negative-length', 'truncated']);

/** True for the kinds after which the byte stream cannot be decoded any further. */
export function isFatalFrameError(kind: FrameErrorKind): boolean {
  return FATAL.has(kind);
}

/** A frame that could not be decoded; see {@link FrameErrorKind}. */
export class FrameError extends Error {
  override readonly name = 'FrameError';
  readonly fatal: boolean;

  constructor(
    readonly kind: FrameErrorKind,
    message: string,
    /** The frame length from the prefix (or the partial length for `truncated`). */
    readonly length: number,
  ) {
    super(message);
    this.fatal = isFatalFrameError(kind);
  }
}

/** One result of decoding: an object, or why a frame was not one. */
export type DecodedFrame =
  | { ok: true; value: Record<string, unknown>; bytes: number }
  | { ok: false; error: FrameError };

/**
 * Encodes one JSON object as a frame. Non-finite numbers become `null`
 * (JSON has no Infinity).
 */
export function encodeFrame(value: object): Buffer {
  const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
  const body = Buffer.from(text, 'utf8');
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + body.length);
  frame.writeUInt32BE(body.length, 0);
  body.copy(frame, FRAME_HEADER_BYTES);
  return frame;
}

/** Encodes several objects into one buffer (one write for a batch). */
export function encodeFrames(values: readonly object[]): Buffer {
  return Buffer.concat(values.map(encodeFrame));
}

export interface FrameDecoderOptions {
  /** Largest frame body accepted, bytes; default {@link DEFAULT_MAX_FRAME_BYTES}. */
  maxFrameBytes?: number;
}

/**
 * An incremental decoder. Feed it chunks with {@link push} as they arrive,
 * take frames with {@link next} (one at a time, so a reader can stop taking
 * frames while it is busy and leave the rest buffered), and call
 * {@link end} when the stream ends to learn whether it ended mid-frame.
 *
 * After a fatal error the decoder is {@link failed}: it drops everything
 * pushed and returns nothing more. Memory is bounded by one frame plus the
 * chunks pushed but not yet taken.
 */
export class FrameDecoder {
  readonly maxFrameBytes: number;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private failure: FrameError | undefined;
  private static readonly utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

  constructor(options: FrameDecoderOptions = {}) {
    const max = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    if (!Number.isInteger(max) || max < 2 || max > 0x7fffffff) throw new RangeError(`maxFrameBytes must be an integer from 2 to 2^31-1; got ${max}`);
    this.maxFrameBytes = max;
  }

  /** Bytes received but not yet decoded. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** The fatal error that stopped the decoder, if any. */
  get failed(): FrameError | undefined {
    return this.failure;
  }

  /** Adds bytes. Ignored once the decoder has failed. */
  push(chunk: Uint8Array): void {
    if (this.failure || chunk.length === 0) return;
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    this.chunks.push(b);
    this.buffered += b.length;
  }

  /**
   * The next complete frame, or undefined when more bytes are needed (or the
   * decoder has failed). A fatal error is returned once, then the decoder
   * stays failed.
   */
  next(): DecodedFrame | undefined {
    if (this.failure || this.buffered < FRAME_HEADER_BYTES) return undefined;
    const header = this.peek(FRAME_HEADER_BYTES);
    const length = header.readInt32BE(0);
    if (length < 0) {
      return this.fail(new FrameError('negative-length', `frame length prefix is negative (${length}; bytes ${header.toString('hex')})`, length));
    }
    if (length > this.maxFrameBytes) {
      return this.fail(new FrameError('oversize', `frame of ${length} bytes is larger than the maximum of ${this.maxFrameBytes}`, length));
    }
    if (this.buffered < FRAME_HEADER_BYTES + length) return undefined;
    this.take(FRAME_HEADER_BYTES);
    const body = this.take(length);
    return decodeBody(body, FrameDecoder.utf8);
  }

  /** Every complete frame now available (convenience over {@link next}). */
  drain(): DecodedFrame[] {
    const out: DecodedFrame[] = [];
    for (let f = this.next(); f; f = this.next()) out.push(f);
    return out;
  }

  /** Pushes a chunk and returns every frame it completes. */
  decode(chunk: Uint8Array): DecodedFrame[] {
    this.push(chunk);
    return this.drain();
  }

  /**
   * The stream has ended. Returns a `truncated` error when bytes of an
   * unfinished frame remain (call after taking every complete frame).
   */
  end(): FrameError | undefined {
    if (this.failure) return undefined;
    if (this.buffered === 0) return undefined;
    const e = new FrameError('truncated', `the stream ended inside a frame (${this.buffered} byte(s) left over)`, this.buffered);
    this.fail(e);
    return e;
  }

  private fail(error: FrameError): DecodedFrame {
    this.failure = error;
    this.chunks = [];
    this.buffered = 0;
    return { ok: false, error };
  }

  /** The first `n` bytes, without consuming them. */
  private peek(n: number): Buffer {
    const first = this.chunks[0] as Buffer;
    if (first.length >= n) return first.subarray(0, n);
    return Buffer.concat(this.chunks.slice(0, n), n);
  }

  /** Removes and returns the first `n` bytes (n <= buffered). */
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0];
    if (first && first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const c = this.chunks[0] as Buffer;
      const want = n - at;
      if (c.length <= want) {
        c.copy(out, at);
        at += c.length;
        this.chunks.shift();
      } else {
        c.copy(out, at, 0, want);
        this.chunks[0] = c.subarray(want);
        at += want;
      }
    }
    return out;
  }
}

function decodeBody(body: Buffer, utf8: TextDecoder): DecodedFrame {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return { ok: false, error: new FrameError('invalid-utf8', `frame of ${body.length} bytes is not valid UTF-8`, body.length) };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: new FrameError('invalid-json', `frame of ${body.length} bytes is not JSON: ${(e as Error).message.slice(0, 120)}`, body.length) };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const what = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return { ok: false, error: new FrameError('not-object', `frame holds ${what}, not a JSON object`, body.length) };
  }
  return { ok: true, value: value as Record<string, unknown>, bytes: body.length };
}
