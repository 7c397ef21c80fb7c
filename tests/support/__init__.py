"""What the tests share and are not tests: the fakes they run against, the runners that drive
the action and the browser, and the paths of the data they read."""
