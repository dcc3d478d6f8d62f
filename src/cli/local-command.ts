/** `rmd local [--story] [--stop]`: start, tell, or stop the local six-host cluster. */
import { dirname, join, relative } from 'node:path';
import { formatTable } from '../replica-manager/format.js';
import { rmdPath } from '../super-watchdog/manager-process.js';
import { stdio } from './commands.js';
import { ExitCode } from './exit-codes.js';
import { demoModules, LocalCluster, tellStory } from './local.js';

export async function runLocal(
  opts: { dir: string; story?: boolean; stop?: boolean },
  io = stdio,
): Promise<number> {
  const root = dirname(dirname(rmdPath()));
  const cluster = new LocalCluster(opts.dir, root);
  if (opts.stop) {
    const n = cluster.liveRecorded().length;
    await cluster.stop();
    io.out(
      n > 0
        ? `stopped the local cluster in ${cluster.dir}`
        : `no local cluster was running from ${cluster.dir}`,
    );
    return ExitCode.ok;
  }

  let stopping = false;
  const stopAndExit = (code: number) => {
    if (stopping) return;
    stopping = true;
    io.out('\nstopping the local cluster…');
    cluster.stop().finally(() => process.exit(code));
  };
  process.on('SIGINT', () => stopAndExit(ExitCode.ok));
  process.on('SIGTERM', () => stopAndExit(ExitCode.ok));

  try {
    io.out(
      `starting six hosts H1–H6 on 127.0.0.11–16, the Checkpoint Server on 127.0.0.10, SuperWatchDogs on H2, H5, H6…`,
    );
    await cluster.start();
    await cluster.register(demoModules(root));
    const t = await waitSettled(cluster);
    if (opts.story) {
      await tellStory(cluster, io);
      await cluster.stop();
      io.out('\nthe story is told; every process of the local cluster is stopped.');
      return ExitCode.ok;
    }
    const rel = relative(process.cwd(), cluster.cfgFile) || cluster.cfgFile;
    io.out(`\n${formatTable(t)}\n`);
    io.out(`the cluster runs. Its cluster file: ${cluster.cfgFile}`);
    io.out(`logs: ${join(cluster.dir, 'logs')}`);
    io.out(`try, from ${process.cwd()}:  node bin/rmctl.js status --watch   (rmctl finds ${rel})`);
    io.out('stop it with Ctrl-C here, or `node bin/rmd.js local --stop` from elsewhere.');
    // Stay in the foreground until Ctrl-C (or until `--stop` from elsewhere leaves no daemon running).
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (cluster.liveRecorded().length === 0 && !stopping) {
          clearInterval(timer);
          io.out('the local cluster was stopped from elsewhere.');
          resolve();
        }
      }, 1000);
    });
    return ExitCode.ok;
  } catch (err) {
    io.err(`rmd local: ${(err as Error).message}`);
    io.err(`(daemon logs are in ${join(cluster.dir, 'logs')})`);
    await cluster.stop();
    return ExitCode.failure;
  }
}

async function waitSettled(cluster: LocalCluster) {
  const until = Date.now() + 30_000;
  for (let i = 0; i < 10_000 && Date.now() < until; i++) {
    const t = await cluster.settled().catch(() => null);
    if (t) return t;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the modules did not all start within 30 s');
}
