"""Drift (kubectl_datamodel.drift and its rendering): the engine on real upgrades, CRD
compatibility rules, drift reports as users see them, and the diff command."""
