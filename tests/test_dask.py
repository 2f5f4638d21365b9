"""Past one machine: a Dask cluster's executor gives the numbers of a local run.

``distributed`` is the optional ``dask`` extra and part of ``test``, so this runs in CI. The
cluster runs in this process (threads), so the test needs no free port range or
spare cores, yet chunks travel through Dask's scheduler and serialisation as on a real cluster.
"""

from __future__ import annotations

import distributed
import numpy as np
import pytest

from polmodel.analysis.comparison import compare
from polmodel.analysis.worlds import PolicyOutcomes


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as c:
        yield c


def test_compare_on_a_dask_cluster_gives_the_local_numbers(client):
    n, chunk = 700, 128  # several chunks, the last one short, spread over both workers
    local = compare("venezuela-2018", worlds=n, seed=5, chunk_size=chunk)
    remote = compare("venezuela-2018", worlds=n, seed=5, chunk_size=chunk,
                     executor=client.get_executor())
    assert remote.policies == local.policies
    np.testing.assert_array_equal(remote.worlds.values, local.worlds.values)
    for name in local.policies:
        for field in PolicyOutcomes.__dataclass_fields__:
            a, b = getattr(remote.outcomes[name], field), getattr(local.outcomes[name], field)
            assert a.dtype == b.dtype, field
            np.testing.assert_array_equal(a, b, err_msg=f"{name}.{field}")
    assert remote.per_policy == local.per_policy
