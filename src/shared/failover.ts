/**
 * Calls to a service that runs at several addresses (the Checkpoint Servers over etcd, DESIGN §10):
 * each call starts at the address that answered last and moves on to the next within its one
 * deadline. A read moves on after any failure to answer. A write moves on only when it surely never
 * reached a server (no connection could be made): one that may have been applied is reported as
 * UnavailableError, as with a single address, so that the caller reads before retrying a
 * compare-and-set.
 */
import type * as grpc from '@grpc/grpc-js';
import { UnavailableError } from './errors.js';

/** Whether a failed call surely never reached a server (so a write may go elsewhere). */
export function notDelivered(err: unknown): boolean {
  return (
    err instanceof UnavailableError &&
    /No connection established|ECONNREFUSED|ENETUNREACH|EHOSTUNREACH/.test(err.message)
  );
}

/** Below this an attempt at one address is not cut shorter to leave time for the others. */
const MIN_ATTEMPT_MS = 1000;

export class Failover<C extends grpc.Client> {
  private readonly clients: (C | null)[];
  private preferred = 0;

  constructor(
    readonly addresses: readonly string[],
    private readonly make: (address: string) => C,
    private readonly what: string,
  ) {
    if (addresses.length === 0) throw new Error(`${what}: no address given`);
    this.clients = addresses.map(() => null);
  }

  /** The client and peer name a new stream should use: the address that answered last. */
  current(): { client: C; peer: string; index: number } {
    return { client: this.client(this.preferred), peer: this.peer(this.preferred), index: this.preferred };
  }

  /** A stream on `index` failed: the next one opens on the next address. */
  failed(index: number): void {
    if (this.preferred === index) this.preferred = (index + 1) % this.addresses.length;
  }

  /**
   * Runs `fn` at one address after another until one answers, all within `deadlineMs`. `fn` gets
   * the client, the deadline of this attempt and the peer name for its errors. Errors: the last
   * attempt's (UnavailableError when none answered), or the answer's own domain error.
   */
  async call<T>(
    deadlineMs: number,
    kind: 'read' | 'write',
    fn: (client: C, attemptMs: number, peer: string) => Promise<T>,
  ): Promise<T> {
    const n = this.addresses.length;
    const end = Date.now() + deadlineMs;
    let lastErr: unknown = null;
    for (let i = 0; i < n; i++) {
      const index = (this.preferred + i) % n;
      const left = end - Date.now();
      if (left <= 0) break;
      const attemptMs =
        i === n - 1 ? left : Math.max(Math.floor(left / (n - i)), Math.min(left, MIN_ATTEMPT_MS));
      try {
        const res = await fn(this.client(index), attemptMs, this.peer(index));
        this.preferred = index;
        return res;
      } catch (err) {
        if (!(err instanceof UnavailableError)) throw err;
        lastErr = err;
        if (kind === 'write' && !notDelivered(err)) throw err;
      }
    }
    if (lastErr) throw lastErr;
    throw new UnavailableError(
      `${this.what}: no answer within ${deadlineMs} ms from ${this.addresses.join(', ')}`,
    );
  }

  close(): void {
    for (const c of this.clients) c?.close();
  }

  private client(index: number): C {
    let c = this.clients[index];
    if (!c) {
      c = this.make(this.addresses[index] as string);
      this.clients[index] = c;
    }
    return c;
  }

  private peer(index: number): string {
    return `${this.what} at ${this.addresses[index]}`;
  }
}

/** A list of addresses from a comma-separated string (an environment variable), blanks dropped. */
export function splitAddresses(text: string): string[] {
  return text
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a.length > 0);
}
