// Original file: proto/super_watchdog.proto


export interface GetRingRequest {
}

export interface GetRingRequest__Output {
}
