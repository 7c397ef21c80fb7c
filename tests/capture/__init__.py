"""Capture (kubectl_datamodel.capture): manifests and files, live capture through the real client,
--include kinds, operators, normalization, platforms, and the fake API server's own tests."""
