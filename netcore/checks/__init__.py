"""The doctor's checks: each answers one question about the subscription.

Every check returns a :class:`~netcore.checks.result.CheckResult`; the
table (:mod:`netcore.checks.table`) lists them with what each waits for, and
the runner (:mod:`netcore.checks.runner`) runs them concurrently, each
bounded by ``network.check_timeout``.
"""
