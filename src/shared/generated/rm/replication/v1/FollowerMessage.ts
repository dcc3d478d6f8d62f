// Original file: proto/replication.proto

import type { Follow as _rm_replication_v1_Follow, Follow__Output as _rm_replication_v1_Follow__Output } from '../../../rm/replication/v1/Follow.js';
import type { Ack as _rm_replication_v1_Ack, Ack__Output as _rm_replication_v1_Ack__Output } from '../../../rm/replication/v1/Ack.js';
import type { Resend as _rm_replication_v1_Resend, Resend__Output as _rm_replication_v1_Resend__Output } from '../../../rm/replication/v1/Resend.js';

export interface FollowerMessage {
  'follow'?: (_rm_replication_v1_Follow | null);
  'ack'?: (_rm_replication_v1_Ack | null);
  'resend'?: (_rm_replication_v1_Resend | null);
  'msg'?: "follow"|"ack"|"resend";
}

export interface FollowerMessage__Output {
  'follow'?: (_rm_replication_v1_Follow__Output | null);
  'ack'?: (_rm_replication_v1_Ack__Output | null);
  'resend'?: (_rm_replication_v1_Resend__Output | null);
  'msg'?: "follow"|"ack"|"resend";
}
