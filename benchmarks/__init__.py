"""Benchmarks: autograd_nb against real PyTorch and hand-written numpy "floors".

Run everything with ``python benchmarks/run.py`` (``--quick`` for a smoke run); see
``benchmarks/README.md``. The modules here:

* ``run.py``      the command: spawns one subprocess per implementation, interleaved
                  over rounds, and writes ``results/latest.{md,json}``;
* ``worker.py``   what each subprocess runs: one implementation, some workloads;
* ``timing.py``   ``timeit``-style repeat helpers and the size presets;
* ``perop.py``    workload 1, per-op overhead on tiny tensors;
* ``backward.py`` workload 2, backward cost per node and its scaling;
* ``models.py``   workloads 3-5, MLP / conv net training steps and graph memory;
* ``floors.py``   the numpy floors (forward, backward and SGD written out by hand);
* ``report.py``   targets, ratios, PASS/FAIL, Markdown / JSON / plot.
"""
