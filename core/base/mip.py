"""One mixed-integer programme solved by HiGHS: what the siting, paving and sewage plans and the capacity-aware
assignment share.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import scipy.sparse as sp

from ._errors import ConfigError


def solve_mip(cost: np.ndarray, lower: np.ndarray, upper: np.ndarray, rows: sp.csr_matrix, row_lo: np.ndarray,
           row_hi: np.ndarray, integer: np.ndarray, maximize: bool, time_limit: float,
           start: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray | None, float, float, str]:
    """Solve one mixed-integer programme with HiGHS (silent, one thread, exact gap unless time runs out).

    Parameters
    ----------
    cost, lower, upper : ndarray
        Objective coefficients and column bounds.
    rows : scipy.sparse.csr_matrix
        Constraint matrix; ``row_lo <= rows @ x <= row_hi``.
    row_lo, row_hi : ndarray
        Row bounds (``±inf`` for one-sided rows).
    integer : ndarray of bool
        Which columns are integer.
    maximize : bool
        Maximise instead of minimise.
    time_limit : float
        Seconds before HiGHS returns its best incumbent.
    start : (ndarray int, ndarray float), optional
        A partial start: values of some columns (HiGHS completes the rest when it can). HiGHS 1.16 may then
        misreport the objective, so callers recompute it from the solution.

    Returns
    -------
    tuple
        (solution or None, objective, dual bound, status in HiGHS's words, lower case with underscores).

    Raises
    ------
    ConfigError
        highspy is not installed.
    """
    try:
        import highspy
    except ImportError:
        raise ConfigError("the planner needs the HiGHS solver: pip install highspy (QGIS: in the OSGeo4W "
                          "Shell or the Python QGIS uses)") from None

    with _quiet_stdout():  # HiGHS prints its banner when constructed, before any option can silence it
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(max(time_limit, 0.01)))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("threads", 1)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = len(cost), rows.shape[0]
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, lower, upper
    lp.row_lower_, lp.row_upper_ = row_lo, row_hi
    csc = rows.tocsc()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = csc.indptr, csc.indices, csc.data
    lp.sense_ = highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize
    lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in integer]
    h.passModel(lp)
    if start is not None and len(start[0]):
        h.setSolution(len(start[0]), np.asarray(start[0], np.int32), np.asarray(start[1], float))
    h.run()
    status = h.modelStatusToString(h.getModelStatus()).lower().replace(" ", "_")
    info = h.getInfo()
    if info.primal_solution_status == 0:
        return None, float("nan"), float(info.mip_dual_bound), status
    return np.asarray(h.getSolution().col_value), float(info.objective_function_value), \
        float(info.mip_dual_bound), status


@contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Send what C code prints to standard output during the block to nowhere (file descriptor 1 is pointed at
    the null device and C's stdout buffer flushed before it is restored): the command's own output on stdout
    stays clean even with ``-q``. Where file descriptor 1 cannot be redirected, nothing changes.
    """
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError, AttributeError):  # no real stdout (e.g. a GUI without a console)
        yield
        return
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    try:
        yield
    finally:
        _flush_c_stdout()
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)


def _flush_c_stdout() -> None:
    try:
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").fflush(None)
    except (OSError, AttributeError):  # not a C library we know: its buffer goes where it goes
        pass
