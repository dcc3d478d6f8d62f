/** pino JSON logs with one child logger per component and host (STYLE §7). */
import { type Logger, pino } from 'pino';

export type { Logger };

let root: Logger | null = null;

/** The process's root logger: JSON on stderr, level from RM_LOG_LEVEL (default info). */
export function rootLogger(): Logger {
  root ??= pino(
    { level: process.env.RM_LOG_LEVEL ?? 'info', base: { pid: process.pid } },
    pino.destination({ fd: 2, sync: true }),
  );
  return root;
}

export function componentLogger(component: string, host?: string): Logger {
  return rootLogger().child(host ? { component, host } : { component });
}

/** A logger that drops everything, for tests of code that takes a logger. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
