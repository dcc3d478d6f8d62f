// Original file: proto/watchdog.proto

export const Role = {
  ROLE_UNSPECIFIED: 'ROLE_UNSPECIFIED',
  PRIMARY: 'PRIMARY',
  BACKUP: 'BACKUP',
} as const;

export type Role =
  | 'ROLE_UNSPECIFIED'
  | 0
  | 'PRIMARY'
  | 1
  | 'BACKUP'
  | 2

export type Role__Output = typeof Role[keyof typeof Role]
