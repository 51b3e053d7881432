import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CapstanError } from '../core/errors.ts';
import { sendUiFile, type UiFiles } from './static-ui.ts';

/**
 * One request and its answer, as the request handler (http.ts) sees them, whichever reader parsed it: node's HTTP server
 * (every request it can take) or the lean reader (lean-http.ts: prediction requests, read whole).
 */
export interface Exchange {
  readonly method: string;
  /** the raw request target (path and query, still percent-encoded) */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** the peer's address */
  readonly client: string;
  /** node's request, for routes that stream their body; null where the body was read whole */
  readonly raw: IncomingMessage | null;
  /** whether the answer's head has gone */
  readonly sent: boolean;
  /** The body (null when empty), refused past `limit` bytes; `done` is called once. */
  body(limit: number, done: (e: CapstanError | null, body: Buffer | null) => void): void;
  /** Answer with text (JSON unless `headers` name another content-type), or with no body at all (`text` null). */
  send(status: number, text: string | null, headers?: Record<string, string>): void;
  /** Answer with a streamed body; settles when it has gone. */
  stream(status: number, headers: Record<string, string> | undefined, body: Readable): Promise<void>;
  /** The web UI's file for a GET or HEAD of `path`, when there is one (false: not answered). */
  uiFile(ui: UiFiles, path: string, head: boolean): boolean;
  /** The rest of the request body is not wanted (the connection stays usable). */
  discard(): void;
  destroy(): void;
}

/** Headers of a text answer: JSON unless the caller says otherwise, and its length. */
export function textHeaders(text: string, headers: Record<string, string> | undefined): Record<string, string> {
  return { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers };
}

/** A request of node's HTTP server. */
export class NodeExchange implements Exchange {
  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
  ) {}

  get method(): string {
    return this.req.method ?? 'GET';
  }

  get url(): string {
    return this.req.url ?? '/';
  }

  get headers(): IncomingHttpHeaders {
    return this.req.headers;
  }

  get client(): string {
    return this.req.socket.remoteAddress ?? '';
  }

  get raw(): IncomingMessage {
    return this.req;
  }

  get sent(): boolean {
    return this.res.headersSent;
  }

  body(limit: number, done: (e: CapstanError | null, body: Buffer | null) => void): void {
    const { req } = this;
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        done(new CapstanError('PAYLOAD_TOO_LARGE', `request body exceeds the limit of ${limit} bytes`), null);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) done(null, size === 0 ? null : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    });
    req.on('error', (e) => {
      if (!failed) done(new CapstanError('INVALID_ARGUMENT', `request body could not be read: ${e.message}`), null);
      failed = true;
    });
  }

  send(status: number, text: string | null, headers?: Record<string, string>): void {
    if (text === null) {
      this.res.writeHead(status, headers);
      this.res.end();
      return;
    }
    this.res.writeHead(status, textHeaders(text, headers));
    this.res.end(text);
  }

  stream(status: number, headers: Record<string, string> | undefined, body: Readable): Promise<void> {
    this.res.writeHead(status, { 'content-type': 'application/octet-stream', ...headers });
    return pipeline(body, this.res);
  }

  uiFile(ui: UiFiles, path: string, head: boolean): boolean {
    return sendUiFile(ui, path, head, this.res);
  }

  discard(): void {
    if (!this.req.complete) this.req.resume();
  }

  destroy(): void {
    this.res.destroy();
  }
}
