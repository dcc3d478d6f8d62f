/** The three-member loopback etcd the etcd backend's tests start (shared with the bench). */
export { ETCD_BIN, EtcdCluster, hasEtcd } from '../../bench/lib/etcd-cluster.js';
