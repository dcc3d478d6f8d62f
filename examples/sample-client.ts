/**
 * A client of the sample application's line protocol (examples/sample-app.ts): one connection per
 * request, the line "get", the one-line JSON answer. Every outcome is a value, never a throw, so
 * that a caller can count refusals, cut connections and time-outs apart.
 */
import net from 'node:net';

/** What a primary answers to "get". */
export interface SampleAnswer {
  replica: string;
  role: string;
  counter: number;
  generation: number;
}

export type SampleOutcome =
  | { ok: true; answer: SampleAnswer }
  /**
   * `refused`: nothing listens (ECONNREFUSED); `closed`: the connection ended before an answer;
   * `timeout`: no answer within the bound; otherwise the socket's error code, or `error` with the
   * answer's own error.
   */
  | { ok: false; error: string; detail?: string };

/** Asks `address:port` once; settles within `timeoutMs`. */
export function askSample(address: string, port: number, timeoutMs: number): Promise<SampleOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    let buffered = '';
    const s = net.connect({ host: address, port });
    const done = (o: SampleOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      s.destroy();
      resolve(o);
    };
    const timer = setTimeout(() => done({ ok: false, error: 'timeout' }), timeoutMs);
    s.setEncoding('utf8');
    s.once('connect', () => s.write('get\n'));
    s.on('data', (chunk: string) => {
      buffered += chunk;
      const at = buffered.indexOf('\n');
      if (at < 0) return;
      const line = buffered.slice(0, at);
      try {
        const v = JSON.parse(line) as Partial<SampleAnswer> & { error?: string };
        if (typeof v.replica === 'string' && typeof v.role === 'string')
          done({ ok: true, answer: v as SampleAnswer });
        else done({ ok: false, error: 'error', detail: v.error ?? line });
      } catch {
        done({ ok: false, error: 'error', detail: `not JSON: ${line.slice(0, 200)}` });
      }
    });
    s.once('error', (err: NodeJS.ErrnoException) =>
      done({
        ok: false,
        error: err.code === 'ECONNREFUSED' ? 'refused' : (err.code ?? 'error'),
        detail: err.message,
      }),
    );
    s.once('close', () => done({ ok: false, error: 'closed' }));
  });
}
