"""Model-free analysis: shift metrics and :class:`~iar.analysis.shifts.ShiftReport`
(:mod:`iar.analysis.shifts`), linear probes and :class:`~iar.analysis.probes.ProbeReport`
(:mod:`iar.analysis.probes`), and plotly figures (:mod:`iar.analysis.plots`).

The public functions are ``iar.shift`` and ``iar.probe``.
"""
