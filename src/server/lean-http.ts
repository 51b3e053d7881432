import { STATUS_CODES, type IncomingHttpHeaders, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { CapstanError } from '../core/errors.ts';
import { textHeaders, type Exchange } from './exchange.ts';
import type { Found } from './router.ts';

/** Where a request goes: its path's raw segments, its route (or the methods allowed there), its raw query. */
export interface Target {
  parts: string[];
  found: Found;
  query: string | null;
}

/** What the lean reader needs from the server around it. */
export interface LeanHost {
  /** where the request goes, when the lean reader may answer it; null: the connection goes to node's parser */
  accept(method: string, url: string): Target | null;
  handle(ex: Exchange, target: Target): void;
  /** give the connection to node's HTTP server, as a new connection */
  handOff(socket: Socket): void;
}

const HEAD_END = Buffer.from('\r\n\r\n');
const BARE_LF = Buffer.from('\n\n');
/** node's default limit of a request head; past it node's parser answers 431 */
const MAX_HEAD = 16 * 1024;
/** bodies read whole here; larger ones go to node's parser, which streams them */
const MAX_BODY = 1024 * 1024;
/** input (pipelined requests) held while a request is answered, past which the socket stops reading */
const MAX_WAITING = 1024 * 1024;
/** unsent output past which the next request waits until the client has read */
const MAX_UNSENT = 64 * 1024;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** 1 for the character codes a header name (an HTTP token) may have */
const IS_TOKEN = new Uint8Array(128).map((_, c) => (TOKEN.test(String.fromCharCode(c)) ? 1 : 0));
const REQUEST_LINE = /^([A-Z]+) (\/[\x21-\x7e]*) HTTP\/1\.1$/;
// eslint-disable-next-line no-control-regex
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;
const DIGITS = /^\d{1,7}$/;
const CLOSE = /(?:^|,)[ \t]*close[ \t]*(?:,|$)/i;
/** requests with these headers are node's to answer (100-continue, upgrades, chunked bodies) */
const NODE_ONLY = new Set(['transfer-encoding', 'expect', 'upgrade']);

interface Head {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** the body's length */
  length: number;
  /** the client asked to close the connection after this request */
  close: boolean;
}

/**
 * A request head (the text before its blank line) when it is plainly well-formed: an HTTP/1.1 request line with an
 * origin-form target, token header names given once each, values without control characters, a Host, a Content-Length of
 * digits, no Transfer-Encoding, Expect or Upgrade. Anything else is null: node's parser then reads it, and answers it or
 * refuses it as it always does (so this reader never decides what is malformed, only what is plainly fine).
 */
export function parseHead(text: string): Head | null {
  let eol = text.indexOf('\r\n');
  if (eol < 0) eol = text.length;
  const m = REQUEST_LINE.exec(text.slice(0, eol));
  if (!m) return null;
  const headers: IncomingHttpHeaders = Object.create(null);
  let length = 0;
  let close = false;
  // one header line per turn, read by character codes (this runs on every prediction request)
  while (eol < text.length) {
    const start = eol + 2;
    eol = text.indexOf('\r\n', start);
    if (eol < 0) eol = text.length;
    let colon = start;
    while (colon < eol && IS_TOKEN[text.charCodeAt(colon)] === 1) colon++;
    if (colon === start || colon === eol || text.charCodeAt(colon) !== 58) return null;
    let a = colon + 1;
    while (a < eol && isSpace(text.charCodeAt(a))) a++;
    let b = a;
    for (let i = a; i < eol; i++) {
      const c = text.charCodeAt(i);
      if ((c < 32 && c !== 9) || c === 127) return null;
      if (!isSpace(c)) b = i + 1;
    }
    const key = text.slice(start, colon).toLowerCase();
    if (headers[key] !== undefined || NODE_ONLY.has(key)) return null;
    const value = text.slice(a, b);
    headers[key] = value;
    if (key === 'content-length') {
      if (!DIGITS.test(value)) return null;
      length = Number(value);
    } else if (key === 'connection') {
      if (/upgrade/i.test(value)) return null;
      close = CLOSE.test(value);
    }
  }
  if (headers.host === undefined) return null;
  return { method: m[1], url: m[2], headers, length, close };
}

const isSpace = (c: number) => c === 32 || c === 9;

/**
 * The lean reader: a connection's requests parsed here, from the socket's bytes, while they are prediction requests
 * (POST, a whole JSON body of at most 1 MB, a route that does not stream: see LeanHost.accept), and answered with one
 * write each. Node's HTTP server costs a prediction about as much CPU as scoring it (its request and response objects,
 * streams and events per request); here a request is a string split and an object. At the first request it does not take,
 * the connection (with the bytes read so far) goes to node's parser for good, which then answers every kind of request, and
 * every malformed one, as before. Timeouts (headers, request, keep-alive) are checked by a sweep once a second.
 */
export class LeanReader {
  private readonly open = new Set<LeanConnection>();
  private sweeper: NodeJS.Timeout | null = null;
  /** milliseconds, as of the last sweep: a coarse clock for timeouts */
  now = Date.now();
  /** the Date header's value, as of the last sweep (node also makes it once a second) */
  date = new Date().toUTCString();
  /** the end of a response head that keeps its connection open, with the server's keep-alive timeout */
  keepAliveEnd = '';
  keepAlive = true;

  constructor(
    private readonly server: Server,
    readonly host: LeanHost,
  ) {
    server.on('close', () => {
      if (this.sweeper) clearInterval(this.sweeper);
      this.sweeper = null;
    });
  }

  /** A new connection: its requests are read here until one is not a prediction request. */
  take(socket: Socket): void {
    if (!this.sweeper) {
      this.sweep();
      this.sweeper = setInterval(() => this.sweep(), 1000);
      this.sweeper.unref();
    }
    this.open.add(new LeanConnection(this, socket));
  }

  forget(c: LeanConnection): void {
    this.open.delete(c);
  }

  /** Close the connections with no request under way (as node's closeIdleConnections does for its own). */
  closeIdle(): void {
    for (const c of this.open) if (c.idle) c.socket.destroy();
  }

  closeAll(): void {
    for (const c of this.open) c.socket.destroy();
  }

  /** Every answer from now on closes its connection. */
  stopKeepAlive(): void {
    this.keepAlive = false;
  }

  private sweep(): void {
    this.now = Date.now();
    this.date = new Date(this.now).toUTCString();
    const { keepAliveTimeout, headersTimeout, requestTimeout } = this.server;
    this.keepAliveEnd = keepAliveTimeout > 0 ? `\r\nConnection: keep-alive\r\nKeep-Alive: timeout=${Math.floor(keepAliveTimeout / 1000)}\r\n\r\n` : '\r\nConnection: keep-alive\r\n\r\n';
    for (const c of this.open) c.expire(this.now, keepAliveTimeout, headersTimeout, requestTimeout);
  }
}

class LeanConnection {
  /** bytes read and not yet taken by a request (the current request's head and body included until its body is all here) */
  private input: Buffer | null = null;
  /** the request whose body is still arriving: where its head ends and its body does */
  private current: { end: number; total: number; ex: LeanExchange } | null = null;
  /** a request is being answered */
  private busy = false;
  /** inside read(): an answer given at once lets the loop go on rather than starting another */
  private looping = false;
  /** waiting for the client to read what was sent */
  private blocked = false;
  /** handed to node, or closing: nothing more is read here */
  private done = false;
  /** the request being answered asked to close the connection */
  private closeAfter = false;
  /** the client has half-closed: nothing more will arrive */
  private ended = false;
  /** when the current wait began (the reader's coarse clock): an idle keep-alive, or a request arriving */
  private since: number;

  constructor(
    private readonly reader: LeanReader,
    readonly socket: Socket,
  ) {
    this.since = reader.now;
    socket.setNoDelay(true);
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('end', this.onEnd);
    socket.on('close', this.onClose);
  }

  get idle(): boolean {
    return !this.busy && this.input === null;
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.done) return;
    if (this.input === null) {
      this.input = chunk;
      if (!this.busy) this.since = this.reader.now;
    } else this.input = Buffer.concat([this.input, chunk]);
    if (this.current !== null) {
      if (this.input.length < this.current.total) return;
      this.bodyArrived();
    }
    if (this.busy || this.blocked) {
      if (this.input !== null && this.input.length > MAX_WAITING) this.socket.pause();
      return;
    }
    this.read();
  };

  // a reset or a broken pipe: the socket closes next
  private readonly onError = (): void => undefined;

  // the client has sent all it will (node's server keeps the connection half-open): what it sent whole is still answered,
  // then the connection closes
  private readonly onEnd = (): void => {
    this.ended = true;
    // a body that stops short: its handler hears so when the socket closes
    if (this.current !== null) this.socket.destroy();
    else if (!this.done && !this.busy && !this.blocked) this.read();
  };

  private readonly onClose = (): void => {
    this.done = true;
    this.reader.forget(this);
    // a handler waiting for the body hears that it will not come (and frees its in-flight slot)
    this.current?.ex.abort();
    this.current = null;
  };

  private read(): void {
    this.looping = true;
    try {
      while (!this.busy && !this.blocked && !this.done && this.current === null && this.input !== null && this.next());
    } finally {
      this.looping = false;
    }
    if (this.done || this.busy || this.blocked) return;
    if (this.ended) {
      // nothing more will come: a request not all here never will be
      this.done = true;
      if (this.current === null) this.socket.end();
      else this.socket.destroy();
    } else if (this.socket.isPaused()) this.socket.resume();
  }

  /**
   * Take the next request from the input, once its head is here: it is handled at once (a saturated server sheds it before
   * its body arrives, as node's path does) and given its body when that is all here. False: the head is not all here yet, or
   * the connection went to node.
   */
  private next(): boolean {
    const input = this.input!;
    const end = input.indexOf(HEAD_END);
    if (end < 0) {
      // too long, bare line feeds, or not a request line: node's parser says what it is (431, 400)
      if (input.length > MAX_HEAD || input.indexOf(BARE_LF) >= 0 || input[0] < 65 || input[0] > 90) this.handOff();
      return false;
    }
    const head = end <= MAX_HEAD ? parseHead(input.toString('latin1', 0, end)) : null;
    const target = head === null || head.length > MAX_BODY ? null : this.reader.host.accept(head.method, head.url);
    if (target === null) {
      this.handOff();
      return false;
    }
    const ex = new LeanExchange(this, head!);
    this.busy = true;
    this.closeAfter = head!.close;
    this.current = { end, total: end + 4 + head!.length, ex };
    if (input.length >= this.current.total) this.bodyArrived();
    this.reader.host.handle(ex, target);
    return true;
  }

  /** The current request's body is all here: its handler gets it (or, answered already, it is dropped). */
  private bodyArrived(): void {
    const { end, total, ex } = this.current!;
    const input = this.input!;
    this.current = null;
    this.input = input.length === total ? null : input.subarray(total);
    this.since = this.reader.now;
    ex.deliver(total === end + 4 ? null : input.subarray(end + 4, total));
  }

  /** Send an answer: its status line and headers (without Date and Connection), and its body. */
  answer(head: string, body: string): void {
    this.busy = false;
    if (this.socket.destroyed || this.done) return;
    const close = this.closeAfter || !this.reader.keepAlive;
    this.socket.write(`${head}Date: ${this.reader.date}${close ? '\r\nConnection: close\r\n\r\n' : this.reader.keepAliveEnd}${body}`);
    if (close) {
      this.done = true;
      this.socket.end();
      return;
    }
    if (this.current === null) this.since = this.reader.now;
    if (this.socket.writableLength > MAX_UNSENT) {
      this.blocked = true;
      this.socket.once('drain', () => {
        this.blocked = false;
        this.read();
      });
      return;
    }
    if (!this.looping) this.read();
  }

  /** Give the connection, and what was read of it, to node's HTTP server. */
  private handOff(): void {
    this.done = true;
    const { socket } = this;
    const input = this.input;
    this.input = null;
    socket.off('data', this.onData);
    socket.off('error', this.onError);
    socket.off('end', this.onEnd);
    socket.off('close', this.onClose);
    this.reader.forget(this);
    if (socket.isPaused()) socket.resume();
    this.reader.host.handOff(socket);
    // at once, before any later bytes can arrive: node's parser reads them in order
    if (input !== null) socket.emit('data', input);
  }

  /** Close the connection if its wait has run past the server's timeout (node's values: 0 is none). */
  expire(now: number, keepAliveMs: number, headersMs: number, requestMs: number): void {
    if (this.done) return;
    if (this.current !== null) {
      // a body that does not arrive in time: node's requestTimeout answers 408
      if (requestMs > 0 && now - this.since >= requestMs) this.timeOut();
      return;
    }
    if (this.busy) return;
    if (this.input === null) {
      if (keepAliveMs > 0 && now - this.since >= keepAliveMs) this.socket.destroy();
      return;
    }
    if (headersMs > 0 && now - this.since >= headersMs) this.timeOut();
  }

  private timeOut(): void {
    const unanswered = this.current === null || !this.current.ex.sent;
    this.done = true;
    // a handler waiting for the body is told it will not come (its answer is not sent: the 408 is)
    this.current?.ex.abort();
    this.current = null;
    if (unanswered) this.socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n', () => this.socket.destroy());
    else this.socket.destroy();
  }
}

type BodyCallback = (e: CapstanError | null, body: Buffer | null) => void;

/** A request of the lean reader: its head, and its body once all of it is here. */
class LeanExchange implements Exchange {
  readonly raw = null;
  sent = false;
  /** the body: undefined until it is all here */
  private payload: Buffer | null | undefined = undefined;
  private waiting: { limit: number; done: BodyCallback } | null = null;

  constructor(
    private readonly conn: LeanConnection,
    private readonly head: Head,
  ) {}

  get method(): string {
    return this.head.method;
  }

  get url(): string {
    return this.head.url;
  }

  get headers(): IncomingHttpHeaders {
    return this.head.headers;
  }

  get client(): string {
    return this.conn.socket.remoteAddress ?? '';
  }

  body(limit: number, done: BodyCallback): void {
    if (this.payload === undefined) this.waiting = { limit, done };
    else give(this.payload, limit, done);
  }

  deliver(payload: Buffer | null): void {
    this.payload = payload;
    const w = this.waiting;
    this.waiting = null;
    if (w) give(payload, w.limit, w.done);
  }

  /** The connection closed (or timed out) before the body was all here. */
  abort(): void {
    const w = this.waiting;
    this.waiting = null;
    w?.done(new CapstanError('INVALID_ARGUMENT', 'request body could not be read: the connection closed before it was complete'), null);
  }

  send(status: number, text: string | null, headers?: Record<string, string>): void {
    let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
    // the same headers as node's path sends (textHeaders); without a body, node's Content-Length of 0
    const all = text !== null ? textHeaders(text, headers) : status === 204 || status === 304 ? headers : { 'content-length': '0', ...headers };
    for (const name in all) {
      const value = all[name];
      // the values are this server's own (ids, labels); a bad one is a bug, answered as one (500), never sent
      if (!TOKEN.test(name) || BAD_VALUE.test(value)) throw new CapstanError('INTERNAL', `response header ${name.slice(0, 64)} is not valid HTTP`);
      head += `${name}: ${value}\r\n`;
    }
    this.sent = true;
    this.conn.answer(head, text ?? '');
  }

  stream(): Promise<void> {
    // LeanHost.accept takes routes whose answers are JSON only
    return Promise.reject(new CapstanError('INTERNAL', 'a streamed answer to a request of the lean reader'));
  }

  uiFile(): boolean {
    return false;
  }

  discard(): void {
    // the rest of the body is dropped when it arrives (the connection reads its next request after it)
  }

  destroy(): void {
    this.conn.socket.destroy();
  }
}

function give(payload: Buffer | null, limit: number, done: BodyCallback): void {
  if (payload !== null && payload.length > limit) done(new CapstanError('PAYLOAD_TOO_LARGE', `request body exceeds the limit of ${limit} bytes`), null);
  else done(null, payload);
}
