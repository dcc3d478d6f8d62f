/**
 * The daemon launcher: `rmd checkpoint-server | replica-manager | watchdog | super-watchdog | router --config FILE
 * --host NAME`, so that a systemd unit is one line.
 */
import { Command, CommanderError } from 'commander';
import { type ClusterConfig, loadClusterConfig } from '../shared/config.js';
import { SupervisorError } from '../shared/errors.js';
import { type Daemon, stopOnSignals } from '../shared/lifecycle.js';
import { componentLogger, type Logger } from '../shared/logging.js';
import { ExitCode } from './exit-codes.js';
import { projectVersion } from './version.js';

type Starter = (cfg: ClusterConfig, host: string, logger: Logger) => Promise<Daemon>;

/** Each daemon is loaded only when asked for, so that one daemon's dependencies do not weigh on another. */
const DAEMONS: Record<string, { component: string; start: () => Promise<Starter>; describe: string }> = {
  'checkpoint-server': {
    component: 'checkpoint-server',
    describe: 'the Checkpoint Server (stable storage, epochs); --host is only a label for its logs',
    start: async () => (await import('../checkpoint-server/daemon.js')).startCheckpointServerDaemon,
  },
  'replica-manager': {
    component: 'replica-manager',
    describe: 'the ReplicaManager on this host (normally started by the primary SuperWatchDog)',
    start: async () => (await import('../replica-manager/daemon.js')).startReplicaManagerDaemon,
  },
  watchdog: {
    component: 'watchdog',
    describe: "this host's WatchDog",
    start: async () => (await import('../watchdog/daemon.js')).startWatchDogDaemon,
  },
  router: {
    component: 'router',
    describe: "this host's endpoints: one TCP proxy per module with a service port, to its current primary",
    start: async () => (await import('../router/daemon.js')).startRouterDaemon,
  },
  'super-watchdog': {
    component: 'super-watchdog',
    describe: "this host's SuperWatchDog (the host must be in the cluster file's ring)",
    start: async () => (await import('../super-watchdog/daemon.js')).startSuperWatchDogDaemon,
  },
};

export function buildRmd(): Command {
  const program = new Command('rmd')
    .description('Runs one daemon of the cluster supervisor on this host.')
    .version(projectVersion(), '-V, --version', 'print the version and exit')
    .exitOverride()
    .showHelpAfterError();
  for (const [name, d] of Object.entries(DAEMONS)) {
    program
      .command(name)
      .description(`Runs ${d.describe}.`)
      .requiredOption('-c, --config <FILE>', 'the cluster file (YAML)', process.env.RM_CONFIG)
      .requiredOption('-H, --host <NAME>', 'this host, as the cluster file names it', process.env.RM_HOST)
      .action(async (opts: { config: string; host: string }) => {
        // Every file and folder a daemon creates is its own: 0600 and 0700 (DESIGN §9).
        process.umask(0o077);
        const cfg = loadClusterConfig(opts.config);
        const logger = componentLogger(d.component, opts.host);
        const start = await d.start();
        const daemon = await start(cfg, opts.host, logger);
        logger.info({ address: daemon.address }, 'serving');
        stopOnSignals(daemon, logger);
      });
  }
  program
    .command('dashboard')
    .description(
      'Serves a live, read-only web view of the cluster (ring, hosts, replica table, events) on --listen; it may run on any host.',
    )
    .requiredOption('-c, --config <FILE>', 'the cluster file (YAML)', process.env.RM_CONFIG)
    .option('-l, --listen <HOST:PORT>', 'where to serve it (port 0 picks a free one)', '127.0.0.1:7480')
    .action(async (opts: { config: string; listen: string }) => {
      const cfg = loadClusterConfig(opts.config);
      const logger = componentLogger('dashboard');
      const { startDashboard } = await import('./dashboard.js');
      const daemon = await startDashboard(cfg, { listen: opts.listen }, logger);
      process.stdout.write(`dashboard at ${daemon.url}\n`);
      stopOnSignals(daemon, logger);
    });
  program
    .command('local')
    .description(
      "Runs the six hosts of the patent's FIG. 1 (H1–H6 on 127.0.0.11–16, SuperWatchDogs on H2, H5, H6) on this machine, " +
        'registers the sample modules A, B and C itself, and runs until Ctrl-C. Each start wipes --dir first.',
    )
    .option(
      '-d, --dir <DIR>',
      'where the cluster keeps its files (cluster.yaml, logs, state); wiped at each start (default: ./.rm-local)',
    )
    .option(
      '--story',
      "tell the patent's recovery examples, ¶0023–0026 (crash A1, host H1, backup SuperWatchDog H6, primary H2), and exit",
    )
    .option(
      '--stop',
      'stop the local cluster running from --dir (without --dir: from ./.rm-local, else the one running elsewhere)',
    )
    .option(
      '--store <STORE>',
      'where the checkpoints live: sqlite (one Checkpoint Server on 127.0.0.10) or etcd (three etcd members on 127.0.0.1, a Checkpoint Server on H2, H5, H6)',
      'sqlite',
    )
    .action(async (opts: { dir?: string; story?: boolean; stop?: boolean; store?: string }) => {
      const { runLocal } = await import('./local-command.js');
      process.exitCode = await runLocal(opts);
    });
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildRmd().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : ExitCode.badInput;
      return;
    }
    process.stderr.write(`rmd: ${(err as Error).message}\n`);
    process.exitCode = err instanceof SupervisorError ? ExitCode.badInput : ExitCode.failure;
    // A daemon that could not start must not linger with open handles.
    setTimeout(() => process.exit(process.exitCode as number), 100).unref();
  }
}
