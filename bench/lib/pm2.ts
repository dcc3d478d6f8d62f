/**
 * PM2 (a dev dependency) driven through its own CLI, with its daemon's home (PM2_HOME) in a temporary
 * folder so that it never meets a user's PM2. Every process it starts inherits PM2_HOME, which is how
 * the clean-up finds them all again: `pm2 kill`, then SIGKILL to whatever still carries that PM2_HOME.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { killPid, onCleanup, pidsWithEnv, ROOT, waitGone } from './common.js';

const run = promisify(execFile);

export const PM2_BIN = join(ROOT, 'node_modules', 'pm2', 'bin', 'pm2');

export function pm2Installed(): boolean {
  return existsSync(PM2_BIN);
}

export class Pm2 {
  private readonly release: () => Promise<void>;

  constructor(readonly home: string) {
    this.release = onCleanup(`PM2's daemon (PM2_HOME=${home})`, () => this.killAll());
  }

  async cli(args: string[], env: Record<string, string> = {}): Promise<string> {
    const res = await run(process.execPath, [PM2_BIN, ...args], {
      env: { ...process.env, ...env, PM2_HOME: this.home, PM2_DISABLE_VERSION_CHECK: 'true' },
      timeout: 30_000,
    });
    return res.stdout;
  }

  /** `pm2 start SCRIPT --name NAME`: restarted at once on every exit, never given up on. */
  async start(script: string, name: string, env: Record<string, string>): Promise<void> {
    await this.cli(
      ['start', script, '--name', name, '--max-restarts', '1000000', '--restart-delay', '0', '--no-color'],
      env,
    );
  }

  /** `pm2 kill`, then SIGKILL to every process still carrying this PM2_HOME; waits until they are gone. */
  async killAll(): Promise<void> {
    await this.cli(['kill']).catch(() => undefined);
    const left = pidsWithEnv('PM2_HOME', this.home);
    for (const pid of left) killPid(pid, 'SIGKILL');
    await waitGone(left, 5000);
  }

  async stop(): Promise<void> {
    await this.release();
  }
}
