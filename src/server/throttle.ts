/**
 * Failed authentications per client (by address), as a leaky bucket: `burst` failures pass, then one more per `refillMs`;
 * past that a client's requests are refused with 429 and a Retry-After until the bucket has room again. A valid token is
 * never slowed by someone else's failures; a client that guesses pays for it. Bounded: at most `maxClients` are tracked
 * (the oldest forgotten first).
 */
export class AuthThrottle {
  private readonly clients = new Map<string, { level: number; at: number }>();

  /** `counts`: where failures and refusals are counted (the serving metrics', for /metrics) */
  constructor(
    readonly counts: { failed: number; throttled: number } = { failed: 0, throttled: 0 },
    private readonly burst = 20,
    private readonly refillMs = 1000,
    private readonly maxClients = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  private levelOf(client: string): { level: number; at: number } | undefined {
    const e = this.clients.get(client);
    if (!e) return undefined;
    const t = this.now();
    e.level = Math.max(0, e.level - (t - e.at) / this.refillMs);
    e.at = t;
    return e;
  }

  /** Seconds the client must wait before its next attempt, or 0 when it may try now. */
  retryAfter(client: string): number {
    const e = this.levelOf(client);
    // an attempt may be made while the bucket has room for a whole one
    if (!e || e.level + 1 <= this.burst) return 0;
    this.counts.throttled++;
    return Math.max(1, Math.ceil(((e.level + 1 - this.burst) * this.refillMs) / 1000));
  }

  /** A failed attempt; returns true the first time the client reaches its limit (worth one log line). */
  fail(client: string): boolean {
    this.counts.failed++;
    let e = this.levelOf(client);
    if (!e) {
      if (this.clients.size >= this.maxClients) this.clients.delete(this.clients.keys().next().value!);
      this.clients.set(client, (e = { level: 0, at: this.now() }));
    }
    const before = e.level;
    e.level += 1;
    return before < this.burst && e.level >= this.burst;
  }
}
