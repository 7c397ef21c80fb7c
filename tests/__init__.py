"""The test suite. A package, so that each test module has a unique name
(``tests.capture.test_live``) and the helpers import as ``tests.support``."""
