"""The action's step scripts (action/datamodel_action, action/main.py), one test module per
script module: fast, no act, and no network beyond the loopback fake GitHub. Each module is driven
the way a step drives it, and the assertions are on what a workflow author sees (workflow
commands, the runner's files, comments on the pull request, error messages). The end-to-end runs
are in tests/action/test_act.py."""
