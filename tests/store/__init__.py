"""The database (kubectl_datamodel.store): schema, transactions and migrations, query, retention."""
