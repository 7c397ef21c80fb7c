"""Kubernetes knowledge that needs no client (kubectl_datamodel.k8s): quantities."""
