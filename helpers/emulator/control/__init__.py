"""The control API the CLI, the kit and the tests talk to, and the parts' fault switches."""
