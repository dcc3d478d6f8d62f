// Original file: proto/super_watchdog.proto


export interface GetHostsRequest {
}

export interface GetHostsRequest__Output {
}
