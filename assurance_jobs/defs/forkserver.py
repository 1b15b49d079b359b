"""Imported last by the multiprocess executor's forkserver (`execution.FORKSERVER_PRELOAD`), and nowhere else.

Every step process is forked from that server after it has imported the code location. Those objects live as long
as the server; moving them to the collector's permanent generation (`gc.freeze`, as the `gc` documentation advises
before forking) keeps each step's collections from walking them again and from writing to their pages, which would
copy the pages into every step (measured: ~45 MB and 0.1–0.2 CPU-s per step; docs/organizations.md). The raised
threshold is the command line's (`app.cli.COLLECTOR_THRESHOLDS`): a step allocates in bursts and lives seconds.
"""

import gc

gc.collect()
gc.freeze()
gc.set_threshold(10_000, 10, 10)
