"""The scripts behind the kubectl-datamodel GitHub Action (action/action.yml).

Each step of the composite action runs ``python3 action/main.py STEP``; the logic lives here so
that it can be tested outside GitHub. Standard library only: the first steps run before the tool
and its dependencies are installed.
"""
