"""Evaluation with known answers: ``python -m eval`` (see eval/README.md).

    dataset (questions, gold sources) -> runner (search + ask per configuration)
    -> metrics (pure scores) -> report (table, report.md/json, compare.png) -> gate (CI)

baseline: the naive LangChain pipeline compared against; calibrate: the abstention sweep.
"""
