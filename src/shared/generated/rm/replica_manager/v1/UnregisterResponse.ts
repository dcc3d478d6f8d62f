// Original file: proto/replica_manager.proto


export interface UnregisterResponse {
}

export interface UnregisterResponse__Output {
}
