"""The notebook kit: what the workshop's notebooks call, on either backend.

It may import ``helpers.model``; it reaches the emulator only through
``backends.local``. The public surface for the notebooks is re-exported by
``helpers`` itself.

- ``workshop``: the facade a notebook holds (``ws = start(through_step=N)``);
- ``steps``: the workshop's steps applied to the learner's project (catch-up);
- ``checks``: what each step still misses, read from the learner's files;
- ``progress``: what each checkpoint found, kept for the instructor's room view;
- ``command_line``: the ``agentcore …`` lines a learner types, read as the real CLI reads them;
- ``widgets``: token panel, chat box, deploy progress;
- ``settings`` and ``tokens``: the workshop's SSM settings and Cognito tokens;
- ``calling``: invoke the agent, call the Gateway, send traffic;
- ``observability``: read traces from CloudWatch, and draw them;
- ``backends``: the local stack or AWS, behind one interface;
- ``paths``, ``http``, ``errors``: where things live, one HTTP session, every error.
"""
