"""The commands as users run them (kubectl_datamodel.cli): outputs, exit statuses, golden files,
and which libraries a command loads."""
