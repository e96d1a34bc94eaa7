import { errors, toBrokerError } from '@dpb/model';
import express, { type Request, type Response } from 'express';

/** What a failed body read becomes: 413 for an oversized body, 400 for anything else the client caused. */
function readFailure(e: unknown, limitBytes: number): unknown {
  const status = (e as { status?: unknown } | null)?.status;
  const type = (e as { type?: unknown } | null)?.type;
  if (status === 413 || type === 'entity.too.large') {
    return errors.invalid(`request body is larger than ${limitBytes} bytes`, { field: 'body', reason: 'PAYLOAD_TOO_LARGE', limitBytes });
  }
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return errors.invalid(`request body could not be read: ${(e as Error).message}`.slice(0, 300), { field: 'body' });
  }
  return toBrokerError(e);
}

/**
 * Reads request bodies as JSON whatever their Content-Type (DPB never
 * looked at it; OSM sends none), up to `limitBytes`.
 */
export class JsonBodyReader {
  private readonly raw: ReturnType<typeof express.raw>;

  constructor(private readonly limitBytes: number) {
    this.raw = express.raw({ type: () => true, limit: limitBytes });
  }

  /**
   * The parsed body, or undefined when there is none (no body, or zero
   * bytes, or only white space). Throws INVALID_ARGUMENT with
   * `details.field: "body"` (reason MALFORMED_JSON, or PAYLOAD_TOO_LARGE →
   * HTTP 413) otherwise.
   */
  async read(req: Request, res: Response): Promise<unknown> {
    await new Promise<void>((resolve, reject) => {
      this.raw(req, res, (err?: unknown) => (err ? reject(readFailure(err, this.limitBytes)) : resolve()));
    });
    const buf = req.body as unknown;
    if (!Buffer.isBuffer(buf)) return undefined;
    let text = buf.toString('utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.trim() === '') return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      throw errors.invalid(`request body is not valid JSON: ${(e as Error).message.slice(0, 200)}`, { field: 'body', reason: 'MALFORMED_JSON' });
    }
  }
}
