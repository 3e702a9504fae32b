"""An example package that extends neuro-kv: the ``retest-recall`` protocol and the
``kv-index-soft`` circuit, found by neuro-kv through their entry points."""
