/** Stable exit codes of rmctl and rmd, for scripts (STYLE §7). */
export const ExitCode = {
  ok: 0,
  /** Something unexpected failed; the message says what. */
  failure: 1,
  /** Bad input: usage, a bad file, a bad event, a refused registration or maintenance request. Nothing was changed. */
  badInput: 2,
  /** The named module, replica or host does not exist. */
  notFound: 3,
  /** The cluster (ReplicaManager, Checkpoint Server, …) did not answer within its deadline. */
  unavailable: 4,
  /** Refused by fencing: a stale epoch or a lost compare-and-set. */
  refused: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
