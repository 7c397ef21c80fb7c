"""Rendering (kubectl_datamodel.render): tables, plain columns, documents, the HTML report."""
