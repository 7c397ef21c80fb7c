"""The GitHub Action (action/): its step scripts, the act end-to-end runs, the workflows' lint, and
the fake GitHub API's own tests."""
