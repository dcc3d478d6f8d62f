// Original file: /work/main/proto/checkpoint.proto


export interface LoadTableRequest {
}

export interface LoadTableRequest__Output {
}
