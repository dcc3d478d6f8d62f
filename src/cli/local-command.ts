/** `rmd local [--story] [--stop]`: start, tell, or stop the local six-host cluster. */
import { writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { rmdPath } from '../super-watchdog/manager-process.js';
import { type Io, stdio } from './commands.js';
import { ExitCode } from './exit-codes.js';
import { formatTable } from './format.js';
import {
  demoModules,
  exampleModuleYaml,
  LOCAL_DIR,
  LocalCluster,
  LocalClusterRunningError,
  tellStory,
} from './local.js';
import { localClustersRunning } from './local-processes.js';

/**
 * `--dir` absent means `./.rm-local`; a `--stop` that finds nothing there stops the one local cluster
 * running elsewhere on this machine, or names the folders to choose from.
 */
async function stopLocal(cluster: LocalCluster, dirGiven: boolean, root: string, io: Io): Promise<number> {
  if (cluster.liveRecorded().length > 0) {
    await cluster.stop({ recorded: true });
    io.out(`stopped the local cluster in ${cluster.dir}`);
    return ExitCode.ok;
  }
  const elsewhere = localClustersRunning().filter((d) => d !== cluster.dir);
  if (!dirGiven && elsewhere.length === 1) {
    const other = new LocalCluster(elsewhere[0] as string, root);
    io.out(`no local cluster runs from ${cluster.dir}; one runs from ${other.dir}: stopping it`);
    await other.stop({ recorded: true });
    io.out(`stopped the local cluster in ${other.dir}`);
    return ExitCode.ok;
  }
  if (elsewhere.length === 0) {
    io.out(`no local cluster was running from ${cluster.dir}, nor anywhere else on this machine`);
    return ExitCode.ok;
  }
  io.err(
    `rmd local --stop: no local cluster runs from ${cluster.dir}; local clusters run from ${elsewhere.join(', ')}: ` +
      'stop one with `rmd local --stop --dir DIR`',
  );
  return ExitCode.notFound;
}

export async function runLocal(
  opts: { dir?: string; story?: boolean; stop?: boolean; store?: string },
  io = stdio,
): Promise<number> {
  const root = dirname(dirname(rmdPath()));
  const store = opts.store ?? 'sqlite';
  if (store !== 'sqlite' && store !== 'etcd') {
    io.err(`rmd local: --store ${store}: expected sqlite or etcd`);
    return ExitCode.badInput;
  }
  const cluster = new LocalCluster(opts.dir ?? LOCAL_DIR, root, 7400, {}, [], store);
  if (opts.stop) return stopLocal(cluster, opts.dir !== undefined, root, io);

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
      `starting six hosts H1–H6 on 127.0.0.11–16, ${
        store === 'etcd'
          ? 'a three-member etcd on 127.0.0.1 with a Checkpoint Server on each of H2, H5, H6'
          : 'the Checkpoint Server on 127.0.0.10'
      }, SuperWatchDogs on H2, H5, H6…`,
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
    const moduleFile = join(cluster.dir, 'module-e.yaml');
    writeFileSync(moduleFile, exampleModuleYaml(root));
    const here = (file: string) => relative(process.cwd(), file) || file;
    io.out(`\n${formatTable(t)}\n`);
    io.out(`the cluster runs, with the modules A, B and C registered. Its cluster file: ${cluster.cfgFile}`);
    io.out(`logs: ${join(cluster.dir, 'logs')}`);
    io.out(
      `try, from ${process.cwd()}:  node bin/rmctl.js status --watch   (rmctl finds ${here(cluster.cfgFile)})`,
    );
    io.out(`a module file to register here: node bin/rmctl.js register -f ${here(moduleFile)}`);
    io.out(
      `stop it with Ctrl-C here, or \`node bin/rmd.js local --stop${resolve(LOCAL_DIR) === cluster.dir ? '' : ` --dir ${cluster.dir}`}\` from elsewhere.`,
    );
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
    // Refused before anything was started: the other cluster is left exactly as it is.
    if (err instanceof LocalClusterRunningError) return ExitCode.failure;
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
