"""The benchmark's closing lines: each of issue 8's targets, met or not, from the figures."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "benchmarks"))

from bench_run import (GUIDE_MAX_S, GUIDE_RECORDS, HOSPITAL_RECORDS, ISSUE_RECORDS,  # noqa: E402
                       PEAK_MAX_MB, RATIO_MAX, Scale, verdict)

GUIDE = Scale(46_940, 1.4, 6.7, 188, True)
MID = Scale(2_276_785, 39.4, 1.64, 308, True)
BIG = Scale(4_554_675, 81.0, 1.76, 370, True)


def _line(lines, start):
    (line,) = [ln for ln in lines if ln.startswith(start)]
    return line


def test_every_target_just_met_is_said_met():
    """Figures on each target's limit: a limit is "at most" for the ratio and the peak,
    "under" for the guide's time."""
    on_limit = [Scale(GUIDE_RECORDS, GUIDE_MAX_S - 0.01, 6.0, PEAK_MAX_MB, True),
                Scale(ISSUE_RECORDS, 2 * 7.8, RATIO_MAX, 300, True),
                Scale(2 * ISSUE_RECORDS, 60.0, RATIO_MAX, PEAK_MAX_MB, True)]
    assert verdict(on_limit) == [
        "ratio <= 2.0 at two hospital scales: 2.28M 2.00, 4.55M 2.00 -> met",
        "peak memory <= 400 MB: 400, 300, 400 MB -> met",
        "flat as the export grows: 2.0x the records, 1.33x the peak",
        "the guide's scale in under 1.5 s: 1.5 s -> met",
        "every run imported exactly the clean rows and passed verification -> met",
        "this machine's sqlite3 floor at 2.28M records: 7.8 s, 1.0x the 7.8 s of the "
        "machine issue 8 was measured on (the guide-scale target is in seconds)"]


@pytest.mark.parametrize("scale,start", [
    (Scale(MID.records, MID.wall, RATIO_MAX + 0.01, MID.peak_mb, True), "ratio"),
    (Scale(MID.records, MID.wall, MID.ratio, PEAK_MAX_MB + 1, True), "peak memory"),
    (Scale(GUIDE.records, GUIDE_MAX_S, GUIDE.ratio, GUIDE.peak_mb, True), "the guide's"),
    (Scale(GUIDE.records, GUIDE.wall, GUIDE.ratio, GUIDE.peak_mb, False), "every run"),
])
def test_each_target_missed_by_one_scale_is_not_met(scale, start):
    """One scale over one limit, the others within every one: that target alone fails."""
    scales = [scale if s.records == scale.records else s for s in (GUIDE, MID, BIG)]
    lines = verdict(scales)
    assert _line(lines, start).endswith("-> NOT MET")
    assert [ln for ln in lines if ln.endswith("NOT MET")] == [_line(lines, start)]
    assert all(ln.endswith("-> met") for ln in verdict([GUIDE, MID, BIG])
               if "->" in ln)


def test_the_ratio_needs_two_hospital_scales_within_it():
    over = Scale(3_000_000, 90.0, RATIO_MAX + 0.5, 380, True)
    # two of three within: met; one of two: not
    assert _line(verdict([MID, over, BIG]), "ratio").endswith("-> met")
    assert _line(verdict([MID, over]), "ratio").endswith("-> NOT MET")
    # a scale below a hospital's is no hospital scale, however fast
    small = Scale(HOSPITAL_RECORDS - 1, 20.0, 1.0, 200, True)
    assert "not measured" in _line(verdict([small, MID]), "ratio")


def test_each_target_missed_is_said():
    slow = Scale(BIG.records, 120.0, 2.4, 420, False)
    lines = verdict([Scale(46_940, 1.8, 8.0, 188, True), MID, slow])
    assert lines[0].endswith("2.28M 1.64, 4.55M 2.40 -> NOT MET")
    assert lines[1] == "peak memory <= 400 MB: 188, 308, 420 MB -> NOT MET"
    assert lines[3] == "the guide's scale in under 1.5 s: 1.8 s -> NOT MET"
    assert lines[4].endswith("-> NOT MET")


def test_one_hospital_scale_or_no_floor_measures_no_ratio():
    assert verdict([GUIDE, MID])[0].startswith(
        "ratio <= 2.0 at two hospital scales: not measured")
    no_floor = Scale(BIG.records, 81.0, float("nan"), 370, True)
    assert "not measured" in verdict([MID, no_floor])[0]
    # without the guide's scale or issue 8's own export, their lines are not written
    lines = verdict([Scale(3_000_000, 60.0, 1.5, 300, True), BIG])
    assert not any(ln.startswith(("the guide's", "this machine's")) for ln in lines)


def test_issue_8s_floor_is_said_beside_the_true_one_and_the_runs_own_work_judged():
    from bench_run import OWN_WORK_MAX_S
    mid = Scale(MID.records, MID.wall, 3.1, MID.peak_mb, True, ratio_live=1.64)
    big = Scale(BIG.records, BIG.wall, 3.3, BIG.peak_mb, True, ratio_live=1.76)
    guide = Scale(GUIDE.records, GUIDE.wall, GUIDE.ratio, GUIDE.peak_mb, True,
                  own_work_s=OWN_WORK_MAX_S + 0.01)
    lines = verdict([guide, mid, big])
    assert _line(lines, "ratio <=").endswith("2.28M 3.10, 4.55M 3.30 -> NOT MET")
    assert "(to issue 8's floor, the indexes live during the load: 2.28M 1.64, 4.55M 1.76)" \
        in lines
    assert _line(lines, "the guide's scale, the run's own work").endswith("0.51 s -> NOT MET")
    guide.own_work_s = OWN_WORK_MAX_S
    assert _line(verdict([guide]), "the guide's scale, the run's own work").endswith("-> met")


def test_the_same_database_floor_is_said_beside_the_ratio_when_measured():
    mid = Scale(MID.records, MID.wall, MID.ratio, MID.peak_mb, True, 2.1, 0.4, 1.55)
    big = Scale(BIG.records, BIG.wall, BIG.ratio, BIG.peak_mb, True, 2.2, 0.4, 1.72)
    lines = verdict([GUIDE, mid, big])
    assert _line(lines, "(to the same database").endswith(": 2.28M 1.55, 4.55M 1.72)")
    # the targets' own lines are unchanged by it
    assert [ln for ln in lines if "->" in ln] == [ln for ln in verdict([GUIDE, MID, BIG])
                                                  if "->" in ln]
    assert not any(ln.startswith("(to the same database") for ln in verdict([GUIDE, MID, BIG]))
