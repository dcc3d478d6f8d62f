/** Explicit daemon lifecycle (STYLE §6): a named state, and an orderly stop on SIGINT/SIGTERM. */
import type { Logger } from './logging.js';

export type DaemonState = 'starting' | 'serving' | 'stopping' | 'stopped' | 'failed';

export interface Daemon {
  readonly state: DaemonState;
  /** The address its gRPC server is bound to. */
  readonly address: string;
  /** Health NOT_SERVING, stop accepting, drain, close what it holds. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Keeps the process up until SIGINT or SIGTERM, then stops the daemon; a stop that takes longer than
 * `graceMs` ends the process anyway.
 */
export function stopOnSignals(daemon: Daemon, logger: Logger, graceMs = 5000): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    const force = setTimeout(() => {
      logger.error({ graceMs }, 'stop took too long; exiting');
      process.exit(1);
    }, graceMs);
    force.unref();
    daemon.stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
