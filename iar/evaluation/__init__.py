"""The evaluation layer: resumable runs and their reports (:mod:`iar.evaluation.runs`).

Benchmarks (:mod:`iar.benchmarks`) and judges (:mod:`iar.judges`) belong to the same layer and keep
their import paths. The public function is ``iar.evaluate``.
"""
