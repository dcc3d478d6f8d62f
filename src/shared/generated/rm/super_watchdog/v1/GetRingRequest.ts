// Original file: /work/main/proto/super_watchdog.proto


export interface GetRingRequest {
}

export interface GetRingRequest__Output {
}
