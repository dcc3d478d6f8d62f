/**
 * rmctl: the operator's command line (DESIGN §7). Finds the cluster through --config, $RM_CONFIG,
 * ./cluster.yaml, or the local cluster's .rm-local/cluster.yaml. Exit codes: see exit-codes.ts.
 */
import { Command, CommanderError, Option } from 'commander';
import { type CertsFlags, certsCommand } from './certs-command.js';
import {
  hostsCommand,
  type RegisterFlags,
  registerCommand,
  ringCommand,
  statusCommand,
  stdio,
  unregisterCommand,
  WATCH_RETRY_FOR_MS,
} from './commands.js';
import { endpointsCommand } from './endpoints.js';
import { type EventsFlags, eventsCommand } from './events.js';
import { ExitCode } from './exit-codes.js';
import { drainCommand, pauseCommand, SWITCHOVER_WAIT_MS, switchoverCommand } from './maintenance.js';
import { EVENT_SYNTAX, simulateCommand } from './simulate.js';
import { storeExportCommand, storeImportCommand } from './store-command.js';
import { projectVersion } from './version.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function buildRmctl(): Command {
  const program = new Command('rmctl')
    .description('Registers application modules with the cluster and shows what it runs.')
    .version(projectVersion(), '-V, --version', 'print the version and exit')
    .option(
      '-c, --config <FILE>',
      'the cluster file (default: $RM_CONFIG, ./cluster.yaml, ./.rm-local/cluster.yaml)',
    )
    .option(
      '--cert <NAME>',
      "the certificate to act with, in the cluster's certificate folder (default: $RM_CERT, else operator, else viewer)",
    )
    .exitOverride()
    .showHelpAfterError('(rmctl --help, or rmctl COMMAND --help, for usage)')
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 unexpected failure, 2 bad input (nothing changed), 3 not found, 4 cluster unavailable, 5 refused (stale epoch).',
    );
  const cfg = () => program.opts<{ config?: string }>().config;
  let code: number = ExitCode.ok;
  const set = (c: number) => {
    code = c;
  };

  program
    .command('register [NAME]')
    .description(
      "Registers a module: with flags, or from a module file (-f: one module of the table format, docs/TABLE-FORMAT.md, without id/status). Each listed host's WatchDog is asked first whether it can start its copy: a missing or non-executable file refuses the registration (exit 2, naming host, path and why); a host whose WatchDog cannot be asked is named and does not block it.",
    )
    .option('-f, --file <FILE>', 'the module as YAML or JSON')
    .addOption(new Option('--style <STYLE>', 'replication style').choices(['cold', 'warm', 'hot']))
    .option('--degree <N>', 'warm/hot: copies running; cold: hosts it may run on')
    .addOption(
      new Option('--policy <POLICY>', 'switching policy').choices(['on-each-failure', 'on-over-threshold']),
    )
    .option('--threshold <N>', 'on-over-threshold: failures in place tolerated before moving')
    .option(
      '--replica <HOST:PATH>',
      'a host and the absolute path of the executable there, in order of preference (repeat)',
      collect,
    )
    .addOption(new Option('--detect <HOW>', 'failure detection').choices(['poll', 'heartbeat']))
    .option('--interval <MS>', 'poll or heartbeat interval, ms')
    .option('--timeout <MS>', 'heartbeat silence treated as a hang, ms')
    .option(
      '--check <KIND[:PORT[/PATH]]>',
      'how a poll checks the copy: sdk, tcp:PORT, http:PORT/PATH, grpc:PORT, exec',
    )
    .option('--check-command <CMD>', 'for --check exec: an absolute executable and its arguments')
    .option('--arg <ARG>', 'an argument for the executable (repeat)', collect)
    .option('--env <KEY=VALUE>', 'an environment variable for the copies (repeat)', collect)
    .option('--user <USER>', 'the account the copies run as on every host (a name or uid)')
    .option('--group <GROUP>', "with --user: their group (default: the user's primary group)")
    .option(
      '--copy-cat',
      'warm/hot, degree ≥ 2: an active copy-cat module, its backups replay every input and compare outputs',
    )
    .option(
      '--max-out-of-sync <MS>',
      'with --copy-cat: the longest time the primary may run without an in-sync backup before it refuses work',
    )
    .option('--json', 'print the registered module as JSON')
    .action(async (name: string | undefined, flags: RegisterFlags) =>
      set(await registerCommand(name, { ...flags, config: cfg() })),
    );

  program
    .command('unregister <NAME>')
    .description('Unregisters a module and stops its copies.')
    .action(async (name: string) => set(await unregisterCommand(name, { config: cfg() })));

  program
    .command('status [NAME]')
    .description('Shows the replica table (FIG. 2): every copy, its host, status and failures.')
    .option('--json', 'the table as JSON, in the table format (docs/TABLE-FORMAT.md) that simulate -f reads')
    .option(
      '-w, --watch',
      'print the table again after every change, following the acting ReplicaManager across fail-overs, until Ctrl-C',
    )
    .option(
      '--retry-for <SECONDS>',
      'with --watch: how long to look for a ReplicaManager after its stream ended',
      String(WATCH_RETRY_FOR_MS / 1000),
    )
    .action(
      async (name: string | undefined, flags: { json?: boolean; watch?: boolean; retryFor: string }) => {
        const retryFor = Number(flags.retryFor);
        if (!Number.isFinite(retryFor) || retryFor < 0) {
          process.stderr.write(`rmctl status: --retry-for: expected seconds ≥ 0, got "${flags.retryFor}"\n`);
          set(ExitCode.badInput);
          return;
        }
        const abort = new AbortController();
        const onSig = () => abort.abort();
        process.once('SIGINT', onSig);
        try {
          set(
            await statusCommand(
              name,
              { json: flags.json, watch: flags.watch, retryForMs: retryFor * 1000, config: cfg() },
              stdio,
              abort.signal,
            ),
          );
        } finally {
          process.off('SIGINT', onSig);
        }
      },
    );

  program
    .command('hosts')
    .description('Shows each host: up or down, since when, its last beat, the copies it runs.')
    .option('--json', 'as JSON')
    .action(async (flags: { json?: boolean }) => set(await hostsCommand({ ...flags, config: cfg() })));

  program
    .command('endpoints [MODULE]')
    .description(
      "Shows each module with a servicePort: the router's stable address on every host, and where its connections go now (warm/cold: the primary; hot: every running copy), with replica ids and host addresses.",
    )
    .option('--json', 'as JSON')
    .action(async (module: string | undefined, flags: { json?: boolean }) =>
      set(await endpointsCommand(module, { ...flags, config: cfg() })),
    );

  program
    .command('ring')
    .description('Shows the SuperWatchDog ring: members, who is primary, the epoch, last beats.')
    .option('--json', 'as JSON')
    .action(async (flags: { json?: boolean }) => set(await ringCommand({ ...flags, config: cfg() })));

  program
    .command('switchover <MODULE>')
    .description(
      'A planned change of primary of a warm or cold module: the primary steps down first (the router drains its connections), then the chosen copy is made primary; never two at once.',
    )
    .option('--to <REPLICA>', 'the copy to hand over to (warm: a running backup; cold: an idle copy)')
    .option('--no-wait', 'return once the old primary is asked to step down, without waiting for the new one')
    .option('--timeout <SECONDS>', 'how long to wait for the new primary', String(SWITCHOVER_WAIT_MS / 1000))
    .option('--json', 'print the decision (and the new primary) as JSON')
    .action(
      async (module: string, flags: { to?: string; wait: boolean; timeout: string; json?: boolean }) => {
        const timeout = Number(flags.timeout);
        if (!Number.isFinite(timeout) || timeout <= 0) {
          process.stderr.write(`rmctl switchover: --timeout: expected seconds > 0, got "${flags.timeout}"\n`);
          set(ExitCode.badInput);
          return;
        }
        set(await switchoverCommand(module, { ...flags, waitMs: timeout * 1000, config: cfg() }));
      },
    );

  for (const which of ['pause', 'resume'] as const) {
    program
      .command(`${which} [MODULE]`)
      .description(
        which === 'pause'
          ? 'Maintenance mode for MODULE (every module without one): copies keep running and are watched, failures are recorded, nothing is failed over; status shows what resume would do.'
          : 'Ends maintenance mode for MODULE (every module without one) and does what is still needed.',
      )
      .option('--json', 'print the decision as JSON')
      .action(async (module: string | undefined, flags: { json?: boolean }) =>
        set(await pauseCommand(which, module, { ...flags, config: cfg() })),
      );
  }

  for (const which of ['drain', 'undrain'] as const) {
    program
      .command(`${which} <HOST>`)
      .description(
        which === 'drain'
          ? 'Takes HOST out of service in a planned way: nothing is placed there, its primaries hand over first, its other copies are replaced and stopped.'
          : 'Returns HOST to service: copies may be placed there again (nothing moves back by itself).',
      )
      .option('--json', 'print the decision as JSON')
      .action(async (host: string, flags: { json?: boolean }) =>
        set(await drainCommand(which, host, { ...flags, config: cfg() })),
      );
  }

  program
    .command('events')
    .description(
      'Shows what the cluster did and why, oldest first: each decision with its event, actions and alerts (kept in the Checkpoint Server).',
    )
    .option('-m, --module <NAME>', 'only what concerns this module')
    .option('-s, --since <TIME>', 'only from this time (2026-12-01T10:00:00Z) or age (90s, 10m, 2h, 1d) on')
    .option('-f, --follow', 'then print each new one as it happens, until Ctrl-C')
    .option('--json', 'one JSON object per line')
    .action(async (flags: Omit<EventsFlags, 'config'>) => {
      const abort = new AbortController();
      const onSig = () => abort.abort();
      process.once('SIGINT', onSig);
      process.once('SIGTERM', onSig);
      try {
        set(await eventsCommand({ ...flags, config: cfg() }, stdio, abort.signal));
      } finally {
        process.off('SIGINT', onSig);
        process.off('SIGTERM', onSig);
      }
    });

  program
    .command('simulate')
    .description('Runs the decision core on a table file, event after event; no cluster is needed.')
    .requiredOption(
      '-f, --file <FILE>',
      'the replica table (YAML or JSON, docs/TABLE-FORMAT.md; status --json output too)',
    )
    .option('-e, --event <EVENT>', `an event (repeat, applied in order): ${EVENT_SYNTAX}`, collect)
    .option('--json', 'print { table, actions, alerts } as JSON')
    .action((flags: { file: string; event?: string[]; json?: boolean }) => set(simulateCommand(flags)));

  const store = program
    .command('store')
    .description(
      "Moves the cluster's store (table, epochs, keys, checkpoints) between backends, the cluster stopped: export with the old cluster file, import with the new one.",
    );
  store
    .command('export')
    .description(
      'Writes everything the store holds, read at one point (one SQLite transaction, one etcd revision), as a snapshot file; leases are not carried.',
    )
    .option('-o, --output <FILE>', 'the snapshot file (default: stdout)')
    .action(async (flags: { output?: string }) => set(await storeExportCommand({ ...flags, config: cfg() })));
  store
    .command('import <FILE>')
    .description(
      'Writes a snapshot file into the store the cluster file names, which must be empty; versions and epochs are kept.',
    )
    .action(async (file: string) => set(await storeImportCommand(file, { config: cfg() })));

  const certs = program
    .command('certs')
    .description(
      "The cluster's private CA and its certificates (mutual TLS; the README's security section).",
    );
  certs
    .command('init')
    .description(
      'Creates the CA (ca.crt, ca.key) in the certificate folder; --rotate adds a new one beside the old.',
    )
    .option('--dir <DIR>', "the certificate folder (default: the cluster file's tls.dir)")
    .option('--rotate', 'a new CA in front of the old one in ca.crt (rotation without a stop)')
    .option('--days <N>', 'validity (default 3650)')
    .action(async (f: CertsFlags) => set(await certsCommand('init', { ...f, config: cfg() })));
  certs
    .command('issue')
    .description('Issues the certificate of one identity, or of every identity of the cluster file (--all).')
    .option(
      '--role <ROLE>',
      'checkpoint-server, replica-manager, watchdog, super-watchdog, operator or viewer',
    )
    .option('--host <HOST>', 'the host of a replica-manager, watchdog or super-watchdog')
    .option('--name <NAME>', 'the name of an operator or viewer (files operator-NAME.crt/.key)')
    .option('--all', 'every daemon of the cluster file, an operator and a viewer')
    .option('--dir <DIR>', "the certificate folder (default: the cluster file's tls.dir)")
    .option('--days <N>', 'validity (default 365)')
    .action(async (f: CertsFlags) => set(await certsCommand('issue', { ...f, config: cfg() })));
  certs
    .command('show')
    .description('Shows the certificates of the folder: identity, addresses, validity, fingerprint.')
    .option('--dir <DIR>', 'a folder or one .crt file')
    .option('--json', 'as JSON')
    .action(async (f: CertsFlags) => set(await certsCommand('show', { ...f, config: cfg() })));
  certs
    .command('retire')
    .description('Drops every CA but the current one from ca.crt (the last step of a rotation).')
    .option('--dir <DIR>', "the certificate folder (default: the cluster file's tls.dir)")
    .action(async (f: CertsFlags) => set(await certsCommand('retire', { ...f, config: cfg() })));

  program.hook('preAction', () => {
    const cert = program.opts<{ cert?: string }>().cert;
    if (cert) process.env.RM_CERT = cert;
  });
  program.hook('postAction', () => {
    process.exitCode = code;
  });
  return program;
}

/**
 * A closed stdout (`rmctl simulate … --json | head`) ends rmctl quietly, as a Unix tool does: no
 * stack trace, exit status 0 for what was written.
 */
function quietOnClosedPipe(): void {
  const onError = (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  };
  process.stdout.on('error', onError);
  process.stderr.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}

export async function main(argv: string[]): Promise<void> {
  quietOnClosedPipe();
  try {
    await buildRmctl().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? ExitCode.ok : ExitCode.badInput;
      return;
    }
    process.stderr.write(`rmctl: ${(err as Error).message}\n`);
    process.exitCode = ExitCode.failure;
  }
}
