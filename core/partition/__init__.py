"""Partitioned runs on Dask: windows per county with a halo, seeds from the whole network, certified results."""
from .run import PartitionOptions, run_partitioned

__all__ = ["PartitionOptions", "run_partitioned"]
