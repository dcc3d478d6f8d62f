/**
 * One error class per failure a caller can act on (STYLE §7). Each message says what was wrong, with
 * which value, and what is accepted. `code` is stable and mapped to gRPC status codes and CLI exit codes.
 */
export abstract class SupervisorError extends Error {
  abstract readonly code: string;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A registration or table that breaks a rule; `field` is the path of the bad value (e.g. `modules[0].degree`). */
export class RegistrationError extends SupervisorError {
  readonly code = 'invalid-registration';
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(field ? `${field}: ${message}` : message);
  }
}

/** A table file or cluster file that cannot be read or does not follow its format. */
export class ConfigError extends SupervisorError {
  readonly code = 'invalid-config';
  constructor(
    message: string,
    readonly field?: string,
    readonly file?: string,
  ) {
    super([file, field].filter(Boolean).join(': ') + (file || field ? ': ' : '') + message);
  }
}

/** An event or request that names something the table does not have. */
export class NotFoundError extends SupervisorError {
  readonly code = 'not-found';
}

/**
 * A maintenance request (switchover, pause, drain…) that the table cannot carry out as asked: a hot
 * module has no primary to switch over, the chosen copy is not a running backup, a switchover is
 * already under way. Nothing was changed; the message says what to ask instead.
 */
export class MaintenanceError extends SupervisorError {
  readonly code = 'maintenance-refused';
}

/**
 * A start or promotion decided before the host's lease last ran out (DESIGN §5): meanwhile the host may
 * have been declared dead and the copy's role given to another. `current` is the term the WatchDog
 * holds now; the ReplicaManager learns it and decides again.
 */
export class StaleLeaseTermError extends SupervisorError {
  readonly code = 'stale-lease-term';
  constructor(
    readonly got: number,
    readonly current: number,
    /** The whole message as the WatchDog worded it (a peer's error), or what was refused. */
    text: { what: string } | { message: string },
  ) {
    super(
      'message' in text
        ? text.message
        : `${text.what} was decided under host lease term ${got}, and the lease has run out and been renewed since (term ${current}): refused; the ReplicaManager decides again with what runs here now`,
    );
  }
}

/** A write or command carrying an epoch lower than one already seen: the sender must stop acting (DESIGN §5). */
export class StaleEpochError extends SupervisorError {
  readonly code = 'stale-epoch';
  constructor(
    readonly got: number,
    readonly current: number,
  ) {
    super(`stale epoch ${got}: epoch ${current} has already been seen; this manager no longer acts`);
  }
}

/**
 * A save or message from a copy that is no longer its module's primary (or holds an old primary
 * generation): the copy must step down at once (DESIGN §5, fenced application state).
 */
export class FencedError extends SupervisorError {
  readonly code = 'fenced';
}

/** A compare-and-set whose expected version no longer holds. */
export class ConflictError extends SupervisorError {
  readonly code = 'conflict';
}

/** An executable that the cluster file does not allow, or that is missing. */
export class ExecutableError extends SupervisorError {
  readonly code = 'executable-refused';
}

/**
 * A module's user or group that this host cannot run its copy as: unknown here, not allowed to a
 * WatchDog that is not root, or unable to reach the WatchDog's socket. The message says which.
 */
export class AccountError extends SupervisorError {
  readonly code = 'account-refused';
}

/** A peer daemon that did not answer within its deadline. */
export class UnavailableError extends SupervisorError {
  readonly code = 'unavailable';
}

/**
 * A replication message that was not acknowledged at the level asked within its deadline (too few
 * in-sync backups, or they were too slow). It may still reach them: the caller treats its effect as
 * unknown, as after a timed-out write to any replicated store.
 */
export class NotAcknowledgedError extends SupervisorError {
  readonly code = 'not-acknowledged';
}

/**
 * A primary that cannot keep its module's operating guideline (seed 002): the module demands
 * in-sync backups and has had too few for longer than it allows. It accepts no work until one is
 * back in sync; the message says how many it has, how long, and what is allowed.
 */
export class GuidelineError extends SupervisorError {
  readonly code = 'guideline';
}

/**
 * Application code that asks for another replication mode than the module's registration
 * (copyCat): the message says what was registered, what the code asked, and how to agree.
 */
export class CopyCatModeError extends SupervisorError {
  readonly code = 'copy-cat-mode';
}

/** A caller whose certificate (or copy token) does not allow the call: the message says who may make it. */
export class PermissionError extends SupervisorError {
  readonly code = 'permission-denied';
}

/** A caller without a credential the server accepts (no certificate, another cluster's, no copy token). */
export class UnauthenticatedError extends SupervisorError {
  readonly code = 'unauthenticated';
}

/** Certificates or keys that are missing, unreadable or do not fit the cluster; the message says how to make them. */
export class TlsError extends SupervisorError {
  readonly code = 'tls';
}
