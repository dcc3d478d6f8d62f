// Original file: /work/main/proto/super_watchdog.proto


export interface GetHostsRequest {
}

export interface GetHostsRequest__Output {
}
