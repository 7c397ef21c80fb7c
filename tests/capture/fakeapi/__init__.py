"""The fake API server, exercised only through the real ``kubernetes`` client.

These tests pin down the protocol behaviour other tests and the benchmark rely on: if the fake
drifted from kube-apiserver (or the client changed how it talks), these fail first, with a
message about the server rather than about the inventory code.
"""
