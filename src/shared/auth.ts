/**
 * Who may call what (DESIGN §9): one rule per gRPC method, checked against the caller's certificate
 * before the handler runs. The ReplicaManager commands WatchDogs; a WatchDog reports only for its own
 * host; SuperWatchDogs beat in the ring, report hosts and take the manager role; only the manager
 * writes the table; operators register and unregister, viewers read. A method without a rule is
 * refused: a new RPC is callable only once it says who may call it.
 *
 * This module is pure: it takes the method, the caller's identity and the request, and answers.
 */
import { type Identity, ROLES, type Role } from './tls.js';

export interface MethodRule {
  /** The roles that may call the method. Empty: nobody over the network (see `why`). */
  roles: readonly Role[];
  /**
   * A request field that names a host: for a caller of a host role (WatchDog, SuperWatchDog,
   * ReplicaManager) it must be the host of its certificate.
   */
  hostField?: string;
  /** The caller must run on the server's own host (a ReplicaManager and its SuperWatchDog). */
  sameHost?: boolean;
  /** Said to a refused caller, after who may call it. */
  why?: string;
}

/** Every role a certificate can carry. */
const ALL: readonly Role[] = ROLES;

const WD = '/rm.watchdog.v1.WatchDog/';
const WDAPP = '/rm.watchdog.v1.WatchDogApp/';
const RM = '/rm.replica_manager.v1.ReplicaManager/';
const SWD = '/rm.super_watchdog.v1.SuperWatchDog/';
const CS = '/rm.checkpoint.v1.CheckpointServer/';
const HEALTH = '/grpc.health.v1.Health/';

export const POLICY: Readonly<Record<string, MethodRule>> = {
  [`${HEALTH}Check`]: { roles: ALL },
  [`${HEALTH}Watch`]: { roles: ALL },

  [`${WD}StartReplica`]: { roles: ['replica-manager'] },
  [`${WD}StopReplica`]: { roles: ['replica-manager'] },
  [`${WD}SetRole`]: { roles: ['replica-manager'] },
  [`${WD}ListRunning`]: { roles: ['replica-manager'] },
  [`${WD}CheckReplica`]: { roles: ['replica-manager'] },
  [`${WDAPP}RegisterSelf`]: {
    roles: ['operator'],
    why: 'registering a module is an operator act: the program needs an operator certificate',
  },
  [`${WDAPP}Attach`]: {
    roles: [],
    why: "a copy attaches over its WatchDog's local socket with the copy token it was started with (RM_WATCHDOG_ADDRESS, RM_COPY_TOKEN)",
  },

  [`${RM}Register`]: { roles: ['operator', 'watchdog'], hostField: 'running_on' },
  [`${RM}Unregister`]: { roles: ['operator'] },
  [`${RM}Status`]: { roles: ['operator', 'viewer'] },
  [`${RM}WatchStatus`]: { roles: ['operator', 'viewer'] },
  [`${RM}Switchover`]: { roles: ['operator'] },
  [`${RM}Pause`]: { roles: ['operator'] },
  [`${RM}Resume`]: { roles: ['operator'] },
  [`${RM}Drain`]: { roles: ['operator'] },
  [`${RM}Undrain`]: { roles: ['operator'] },
  [`${RM}ReportFailure`]: { roles: ['watchdog'], hostField: 'host' },
  [`${RM}ReportRunning`]: { roles: ['watchdog'], hostField: 'host' },
  [`${RM}ReportHost`]: {
    roles: ['super-watchdog'],
    sameHost: true,
    why: 'only the SuperWatchDog that runs this ReplicaManager reports hosts to it',
  },

  [`${SWD}RingBeat`]: { roles: ['super-watchdog'], hostField: 'from' },
  [`${SWD}RegisterPredecessor`]: { roles: ['super-watchdog'], hostField: 'from' },
  [`${SWD}WatchDogBeat`]: { roles: ['watchdog'], hostField: 'host' },
  [`${SWD}ManagerBeat`]: { roles: ['replica-manager'], hostField: 'host', sameHost: true },
  [`${SWD}GetRing`]: { roles: ALL },
  [`${SWD}GetHosts`]: { roles: ALL },

  [`${CS}Get`]: {
    roles: ['replica-manager', 'operator', 'watchdog'],
    why: "a WatchDog reads only its copies' replication announcements",
  },
  [`${CS}List`]: { roles: ['replica-manager', 'operator'] },
  [`${CS}Watch`]: {
    roles: ['replica-manager', 'operator', 'watchdog', 'router'],
    why: "a WatchDog watches only its copies' replication announcements; a router only the replica table, as the ReplicaManager persisted it",
  },
  [`${CS}Put`]: {
    roles: ['replica-manager', 'operator', 'watchdog'],
    why: "a WatchDog writes only its copies' replication announcements",
  },
  [`${CS}Txn`]: { roles: ['replica-manager', 'operator'] },
  [`${CS}AcquireLeadership`]: {
    roles: ['super-watchdog'],
    hostField: 'holder',
    why: 'only the SuperWatchDog ring takes the manager role',
  },
  [`${CS}RenewLeadership`]: { roles: ['super-watchdog'], hostField: 'holder' },
  [`${CS}GetLeadership`]: { roles: ALL },
  [`${CS}SaveTable`]: { roles: ['replica-manager'], why: 'only the manager writes the table' },
  [`${CS}SaveTableChange`]: { roles: ['replica-manager'], why: 'only the manager writes the table' },
  [`${CS}LoadTable`]: { roles: ['replica-manager'] },
  [`${CS}SaveCheckpoint`]: {
    roles: ['watchdog', 'operator'],
    why: "copies save through their WatchDog's local socket",
  },
  [`${CS}LoadCheckpoint`]: { roles: ['watchdog', 'operator'] },
  [`${CS}WatchCheckpoint`]: { roles: ['watchdog', 'operator'] },
};

/** A refusal: UNAUTHENTICATED (no identity of this cluster) or PERMISSION_DENIED (the wrong one). */
export interface Refusal {
  kind: 'unauthenticated' | 'permission-denied';
  message: string;
}

function whoMay(method: string, rule: MethodRule): string {
  const short = method.split('/').pop() ?? method;
  const who = rule.roles.length
    ? `only ${rule.roles.join(' or ')} certificates may call ${short}`
    : `${short} is not callable over the network`;
  return rule.why ? `${who}; ${rule.why}` : who;
}

/** Whether a caller may call a method at all (before its request is read). */
export function authorizeCaller(
  method: string,
  caller: Identity | null,
  server: { cluster: string; name: string },
): Refusal | null {
  const rule = POLICY[method];
  if (!caller) {
    return {
      kind: 'unauthenticated',
      message: `${method}: a client certificate of cluster ${server.cluster} is needed (rmctl certs issue)`,
    };
  }
  if (caller.cluster !== server.cluster) {
    return {
      kind: 'unauthenticated',
      message: `${method}: the certificate is for cluster "${caller.cluster}", this is cluster "${server.cluster}"`,
    };
  }
  if (!rule)
    return { kind: 'permission-denied', message: `${method}: no caller may use a method without a rule` };
  if (!rule.roles.includes(caller.role)) {
    return {
      kind: 'permission-denied',
      message: `${whoMay(method, rule)} (caller: ${caller.role} ${caller.name})`,
    };
  }
  if (rule.sameHost && caller.name !== server.name) {
    return {
      kind: 'permission-denied',
      message: `${whoMay(method, rule)} on ${server.name} itself (caller: ${caller.role} ${caller.name})`,
    };
  }
  return null;
}

/** Whether a request names only the caller's own host where the method's rule asks for it. */
export function authorizeRequest(method: string, caller: Identity, request: unknown): Refusal | null {
  const rule = POLICY[method];
  if (!rule?.hostField) return null;
  if (!['replica-manager', 'watchdog', 'super-watchdog'].includes(caller.role)) return null;
  const value = (request as Record<string, unknown> | null)?.[rule.hostField];
  if (value === caller.name) return null;
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 64)) : 'none';
  return {
    kind: 'permission-denied',
    message: `${method}: a ${caller.role} acts only for its own host: ${rule.hostField} is ${shown}, the certificate is for ${caller.name}`,
  };
}
