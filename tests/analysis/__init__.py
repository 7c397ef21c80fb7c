"""The analysis views (kubectl_datamodel.analysis) and the analyze command."""
