"""Bulk HMSync ids and the compact legacy-id index."""
import uuid

import numpy as np
import pytest

from wizard.core import idindex, uuids
from wizard.core.idindex import IdIndex, duplicated, hash_ids


def test_uuid7_valid_unique_and_increasing():
    a = uuids.uuid7_bulk(5000)
    b = uuids.uuid7_bulk(5000)
    ids = a + b
    assert len(set(ids)) == 10000
    assert ids == sorted(ids)  # appends to the primary-key index
    for s in ids[:50]:
        u = uuid.UUID(s)
        assert u.version == 7 and u.variant == uuid.RFC_4122 and str(u) == s


def test_uuid4_valid():
    for s in uuids.uuid4_bulk(100):
        assert uuid.UUID(s).version == 4


def test_text_form_is_the_standard_one():
    raw = uuids.uuid4_bytes(500)
    assert uuids.to_text(raw) == [str(uuid.UUID(bytes=bytes(r))) for r in raw]


def test_text_round_trip_through_keys():
    raw = uuids.uuid7_bytes(10)
    keys = uuids.as_key(raw)
    assert uuids.to_text(keys) == uuids.to_text(raw)


def test_id_index_membership_payload_and_first_wins():
    idx = IdIndex("i8")
    idx.add(hash_ids(["a", "b", "c"]), np.array([1, 2, 3]))
    idx.add(hash_ids(["d", "a"]), np.array([4, 99]))
    found, vals = idx.get(hash_ids(["a", "d", "x", "c"]))
    assert found.tolist() == [True, True, False, True]
    assert vals[found].tolist() == [1, 4, 3]
    assert len(idx) == 4
    a, b, c = hash_ids(["a", "A", "a "])
    assert tuple(a) != tuple(b) != tuple(c)


def test_id_index_scales_without_collisions():
    ids = [f"V{i}" for i in range(200_000)]
    keys = hash_ids(ids)
    assert len(np.unique(keys, axis=0)) == len(ids)
    assert not duplicated(keys).any()
    assert duplicated(hash_ids(["x", "y", "x", "x"])).tolist() == [False, False, True, True]
    idx = IdIndex()
    for i in range(0, len(keys), 50_000):
        idx.add(keys[i:i + 50_000])
    assert idx.contains(hash_ids(["V0", "V199999", "V200000"])).tolist() == [True, True, False]
    # many keys at once, in no order, half of them absent (the sorted-lookup path)
    probe = [f"V{i}" for i in range(150_000, 250_000, 3)]
    assert idx.contains(hash_ids(probe)).tolist() == [int(p[1:]) < 200_000 for p in probe]


def test_id_index_first_half_collision_is_resolved_exactly():
    idx = IdIndex("i8")
    keys = np.array([[5, 1], [5, 2], [3, 9]], dtype=np.uint64)
    idx.add(keys[:1], [10])
    idx.add(keys[1:], [20, 30])
    found, vals = idx.get(np.array([[5, 2], [5, 1], [5, 3], [3, 9]], dtype=np.uint64))
    assert found.tolist() == [True, True, False, True]
    assert vals[found].tolist() == [20, 10, 30]


# the bitmap of first halves: never, always, from a size on
@pytest.mark.parametrize("bitmap_from", [50_000, 0, 700])
def test_id_index_in_many_small_chunks_agrees_with_a_dict(bitmap_from, monkeypatch):
    """Chunks of every size, lookups between adds, repeated keys: the same answers as a
    plain dict where the first value added for a key wins."""
    monkeypatch.setattr(idindex, "BITMAP_MIN_KEYS", bitmap_from)
    monkeypatch.setattr(idindex, "BLOCK", 1000)  # long runs are gone through in blocks
    rng = np.random.default_rng(11)
    idx = IdIndex("i8")
    ref: dict[str, int] = {}
    n = 0
    for step in range(300):
        size = int(rng.integers(1, 400))
        ids = [f"K{int(x)}" for x in rng.integers(0, 20_000, size)]
        vals = np.arange(n, n + size)
        n += size
        idx.add(hash_ids(ids), vals)
        for k, v in zip(ids, vals.tolist()):
            ref.setdefault(k, v)
        if step % 7 == 0:
            probe = [f"K{int(x)}" for x in rng.integers(0, 25_000, 500)]
            found, got = idx.get(hash_ids(probe))
            assert found.tolist() == [k in ref for k in probe]
            assert got[found].tolist() == [ref[k] for k in probe if k in ref]
    assert len(idx.contains(hash_ids(list(ref)))) == len(ref)
    assert idx.contains(hash_ids(list(ref))).all()
    assert len(idx) == len(ref)
    assert len(idx._runs) <= 2 * np.log2(len(ref)) + 2  # few runs to search


# the bitmap of first halves: never, always, from a size on
@pytest.mark.parametrize("bitmap_from", [50_000, 0, 700])
def test_id_index_of_keys_known_new_then_compacted_agrees_with_a_dict(bitmap_from, monkeypatch):
    """Keys added as new (the engine's first appearances: no search on merging), mixed
    with ordinary adds, first halves that collide, lookups between adds, and a compacted
    index at the end: the same answers as a dict."""
    monkeypatch.setattr(idindex, "BITMAP_MIN_KEYS", bitmap_from)
    rng = np.random.default_rng(5)
    idx = IdIndex("i8")
    ref: dict[tuple, int] = {}
    n = 0
    for step in range(200):
        size = int(rng.integers(1, 300))
        # first halves from a small range: many keys share one, told apart by the second
        cand = np.stack([rng.integers(0, 3_000, size), rng.integers(0, 4, size)],
                        axis=1).astype(np.uint64)
        if step % 3:  # the engine's way: only keys neither indexed nor repeated, as new
            seen = set()
            fresh = []
            for k in map(tuple, cand.tolist()):
                if k not in ref and k not in seen:
                    seen.add(k)
                    fresh.append(k)
            keys = np.array(fresh, dtype=np.uint64).reshape(-1, 2)
            idx.add(keys, np.arange(n, n + len(keys)), new=True)
        else:
            keys = cand
            idx.add(keys, np.arange(n, n + len(keys)))
        for k, v in zip(map(tuple, keys.tolist()), range(n, n + len(keys))):
            ref.setdefault(k, v)
        n += len(keys)
        if step % 4 != 1:  # merging sometimes only new keys, sometimes a mix
            probe = np.stack([rng.integers(0, 3_500, 200), rng.integers(0, 5, 200)],
                             axis=1).astype(np.uint64)
            found, got = idx.get(probe)
            want = [ref.get(k) for k in map(tuple, probe.tolist())]
            assert found.tolist() == [w is not None for w in want]
            assert got[found].tolist() == [w for w in want if w is not None]
    idx.compact()
    assert len(idx._runs) == 1 and len(idx) == len(ref)
    everything = np.array(list(ref), dtype=np.uint64)
    found, got = idx.get(everything)
    assert found.all() and got.tolist() == list(ref.values())


def test_a_narrowed_index_keeps_the_fields_asked_for_and_answers_as_before():
    """A complete table's index keeps what its children ask (accepted, HMSync id number)
    and lets its records' first lines go: the same answers, fewer bytes per key."""
    entry = np.dtype([("line", "<i4"), ("ok", "u1"), ("hid", "<u4")])
    idx = IdIndex(entry)
    keys = hash_ids([f"P{i}" for i in range(5_000)])
    vals = np.zeros(len(keys), dtype=entry)
    vals["line"], vals["ok"], vals["hid"] = np.arange(2, 5_002), np.arange(5_000) % 3 > 0, \
        np.arange(5_000) * 7
    for at in range(0, len(keys), 700):  # several runs, and keys still pending
        idx.add(keys[at:at + 700], vals[at:at + 700], new=True)
    idx.narrow(("ok", "hid"))
    assert idx.payload.names == ("ok", "hid") and idx.payload.itemsize == 5
    probe = np.concatenate([keys[::-3], hash_ids(["none", "P5000"])])
    found, got = idx.get(probe)
    assert found.tolist() == [True] * len(keys[::-3]) + [False, False]
    want = vals[::-3]
    assert got["ok"][found].tolist() == want["ok"].tolist()
    assert got["hid"][found].tolist() == want["hid"].tolist()


def test_duplicated_points_each_repeat_at_its_first_appearance():
    keys = hash_ids(["a", "b", "a", "c", "b", "a"])
    dup, first = duplicated(keys, return_first=True)
    assert dup.tolist() == [False, False, True, False, True, True]
    assert first.tolist() == [0, 1, 0, 3, 1, 0]


def test_run_ids_are_version_7_unique_increasing_and_written_again_from_their_number():
    before = uuids.uuid7_bulk(3)
    run = uuids.RunIds()
    first, second = run.take(40_000), run.take(10)
    texts = run.text(first) + run.text(second)
    after = uuids.uuid7_bulk(3)
    assert len(set(texts)) == 40_010
    # in the order they were taken, and between the ids made before and after the run
    assert before + texts + after == sorted(before + texts + after)
    for s in texts[:50] + texts[-5:]:
        u = uuid.UUID(s)
        assert u.version == 7 and u.variant == uuid.RFC_4122 and str(u) == s
    assert run.text(np.array([40_005, 3])) == [texts[40_005], texts[3]]
    # the low 32 bits are mixed, not a counter; and another run makes other ids
    assert len({s[-8:] for s in texts}) > 39_000
    assert not set(uuids.RunIds().text(first[:100])) & set(texts)


def test_text_heap_gives_back_each_text_by_its_number():
    from wizard.core.idindex import TextHeap
    heap = TextHeap()
    a = heap.add(["P-1", "", "Ünïcode id"])
    b = heap.add([])
    c = heap.add(["x\udcff", "last"])  # an undecodable byte, escaped by the reader
    assert a.tolist() == [0, 1, 2] and not len(b) and c.tolist() == [3, 4]
    assert heap.get([4, 0, 2, 1, 3]) == ["last", "P-1", "Ünïcode id", "", "x\udcff"]


@pytest.mark.parametrize("n, spread", [(0, 64), (1, 64), (7, 64), (5000, 64), (5000, 12),
                                       (70_000, 64), (70_000, 3)])
def test_a_run_is_searched_as_numpy_searchsorted_would(n, spread, monkeypatch):
    """The directory search gives numpy's answer on either side: first halves spread
    over 64 bits (as hashes are) or crowded into a few values, queries in any order,
    below, between, on and above the run's keys."""
    from wizard.core.idindex import _directory_of, _search
    monkeypatch.setattr(idindex, "BLOCK", 1000)  # a long run is gone through in blocks
    rng = np.random.default_rng(n + spread)
    top = np.uint64((1 << spread) - 1) if spread < 64 else np.uint64(2**64 - 1)
    h = np.sort(rng.integers(0, top, size=n, dtype=np.uint64, endpoint=True))
    run = [np.stack([h, np.zeros(n, dtype=np.uint64)], axis=1), None, None]
    q = np.concatenate([rng.integers(0, top, size=3000, dtype=np.uint64, endpoint=True),
                        h[::max(1, n // 500)], np.array([0, top], dtype=np.uint64)])
    for right in (False, True):
        want = np.searchsorted(h, q, side="right" if right else "left")
        assert (_search(run[0][:, 0], q, _directory_of(run), right=right) == want).all()


def test_merging_two_runs_uses_them_up():
    """A merge lets go of its two runs' arrays (the index replaces them by the merged run):
    the keys go before the merged payloads are made, so the largest merge does not hold
    every array twice."""
    import weakref
    from wizard.core.idindex import _merge_sorted
    ka = np.array([[1, 9], [5, 9], [9, 9]], dtype=np.uint64)
    kb = np.array([[3, 9], [7, 9]], dtype=np.uint64)
    a = [ka, np.array([10, 50, 90], dtype="u4"), None]
    b = [kb, np.array([30, 70], dtype="u4"), None]
    gone = weakref.ref(ka)
    del ka, kb
    keys, vals, _ = _merge_sorted(a, b)
    assert keys[:, 0].tolist() == [1, 3, 5, 7, 9] and vals.tolist() == [10, 30, 50, 70, 90]
    assert a == [None] * 3 and b == [None] * 3
    assert gone() is None
