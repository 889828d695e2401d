"""The benchmarks, in the order they run. Each one says why it is skipped when the code it measures is not there."""


def all_benchmarks():
    from bench.benchmarks.assignment import Assignment
    from bench.benchmarks.cases import CaseIntake
    from bench.benchmarks.coverage import GreenCoverage
    from bench.benchmarks.dashboard import Dashboard
    from bench.benchmarks.field import FieldWorkspace
    from bench.benchmarks.mappage import MapPage
    from bench.benchmarks.ogc import OgcPaging
    from bench.benchmarks.partitions import CasePartitions
    from bench.benchmarks.replica import ReplicaReads
    from bench.benchmarks.responsibility import ResponsibilityLookup
    from bench.benchmarks.tiles import VectorTiles

    return [
        Assignment(),
        ResponsibilityLookup(),
        VectorTiles("gridcell"),
        VectorTiles("building"),
        VectorTiles("asset"),
        CaseIntake(),
        Dashboard(),
        GreenCoverage(),
        MapPage(),
        MapPage(in_view=None),
        OgcPaging(),
        CasePartitions(),
        FieldWorkspace(),
        ReplicaReads(),
    ]
