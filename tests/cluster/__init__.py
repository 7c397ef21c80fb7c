"""Live capture against a real kube-apiserver + etcd (scripts/test-cluster.sh); marker cluster."""
