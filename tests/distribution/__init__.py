"""Release archives and the krew manifest."""
