"""Loaded by schemathesis before it runs (SCHEMATHESIS_HOOKS, set by tests/contract/run).

Hypothesis's `target` phase (hill-climbing on the "success rate" schemathesis reports to it)
crashed inside Hypothesis itself (IndexError in `optimiser.attempt_replace`, hypothesis 6.170.17),
which schemathesis reports as an error of the operation under test. Every other phase stays: the
cases are still generated, reused and shrunk; only the steering towards inputs the server accepts
is left out, which the dictionaries of the demo world's IDs already do.
"""

from hypothesis import Phase, settings

settings.register_profile(
    "scal-contract",
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
)
settings.load_profile("scal-contract")
