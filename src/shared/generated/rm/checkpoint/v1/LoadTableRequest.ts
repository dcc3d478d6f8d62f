// Original file: proto/checkpoint.proto


export interface LoadTableRequest {
}

export interface LoadTableRequest__Output {
}
