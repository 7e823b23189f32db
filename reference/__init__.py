"""Embedded reference implementation of the Omnitron sales-channel cancellation requests API.

It is the suite's default target: a Django REST framework app served over real HTTP, so the
suite talks to it exactly as it talks to a remote environment.  Start it with
``reference.server.start()`` (in-process) or ``reference.server.spawn()`` (child process).
"""
