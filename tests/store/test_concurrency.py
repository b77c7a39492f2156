"""Many staff writing at once: processes saving forms and importing files into one database.

Every write carries a note nobody else writes, so that each row of each write is a "created" or an
"updated" one and can be found again in the history afterwards.
"""

import json
import multiprocessing
import random
import time
import traceback
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from kpi.files.importer import import_file
from kpi.store import queries
from kpi.store.db import make_engine, read_session
from kpi.store.models import ImportBatch, Reading, ReadingRevision
from kpi.store.readings import apply_readings, input_frame
from kpi.years import current_year

FORM_WRITERS = 4
IMPORT_WRITERS = 4
WRITE_SECONDS = 6
IMPORT_ROWS = 20
YEARS = range(current_year() - 5, current_year() + 1)


def reading_pool(engine) -> list[dict]:
    """Every (locality, indicator, year) the seeded plans allow, with the indicator's kind."""
    localities = queries.localities(engine).dropna(subset=["plan_code"])[["code", "plan_code"]]
    kinds = queries.indicators(engine)[["code", "kind"]].rename(columns={"code": "indicator_code"})
    pairs = localities.merge(queries.plan_targets(engine), on="plan_code").merge(kinds, on="indicator_code")
    return [{"locality_code": p.code, "indicator_code": p.indicator_code, "year": year, "kind": p.kind}
            for p in pairs.itertuples() for year in YEARS]


def figures(kind: str, rng: random.Random) -> dict:
    if kind == "ratio":
        denominator = rng.randint(0, 500)
        return {"numerator": rng.randint(0, denominator), "denominator": denominator}
    return {"value": rng.randint(0, 1) if kind == "boolean" else rng.randint(0, 50)}


def write_for(database_url: str, worker: int, source: str, seconds: float, barrier, result_path: str) -> None:
    """One member of staff: saves forms (one reading, as the form page does) or imports CSV files (through
    the importer) until the time is up.

    Records every write it made; any exception at all is recorded with its traceback.
    """
    writes, error = [], None
    try:
        rng = random.Random(worker)
        engine = make_engine(database_url)
        pool = reading_pool(engine)
        barrier.wait(timeout=120)
        deadline = time.monotonic() + seconds
        sequence = 0
        while time.monotonic() < deadline:
            sequence += 1
            chosen = rng.sample(pool, IMPORT_ROWS if source == "import" else 1)
            rows = [{**{k: r[k] for k in ("locality_code", "indicator_code", "year")}, **figures(r["kind"], rng),
                     "note": f"w{worker}-{sequence}-{i}"} for i, r in enumerate(chosen)]
            started = time.time()
            if source == "import":
                data = pd.DataFrame(rows).astype({"numerator": "Int64", "denominator": "Int64", "value": "Int64"}).to_csv(index=False).encode("utf-8")
                result = import_file(engine, data, f"w{worker}-{sequence}.csv", user_name=f"cán bộ {worker}")
            else:
                result = apply_readings(engine, input_frame(rows), user_name=f"cán bộ {worker}", source=source)
            writes.append({"batch_id": result.batch_id, "created": result.created, "updated": result.updated,
                           "unchanged": result.unchanged, "notes": [r["note"] for r in rows],
                           "started": started, "finished": time.time()})
        engine.dispose()
    except BaseException:
        error = traceback.format_exc()
    Path(result_path).write_text(json.dumps({"writes": writes, "error": error}), encoding="utf-8")


class Writers:
    """One process per source in plan, all writing from the same instant for the given time."""

    def __init__(self, database_url: str, tmp_path: Path, plan: list[str], seconds: float):
        # fork: the writers start in milliseconds with everything imported; each opens its own engine.
        context = multiprocessing.get_context("fork")
        self.barrier = context.Barrier(len(plan))
        self.paths = [tmp_path / f"writer-{worker}.json" for worker in range(len(plan))]
        self.processes = [
            context.Process(target=write_for, args=(database_url, worker, source, seconds, self.barrier, str(path)))
            for worker, (source, path) in enumerate(zip(plan, self.paths))
        ]
        for process in self.processes:
            process.start()

    def writes(self) -> list[dict]:
        """Waits for every writer; fails on any error any of them met."""
        for process in self.processes:
            process.join(timeout=300)
        assert [p.exitcode for p in self.processes] == [0] * len(self.processes)
        outcomes = [json.loads(path.read_text(encoding="utf-8")) for path in self.paths]
        errors = [o["error"] for o in outcomes if o["error"]]
        assert errors == [], errors[0]
        return [write for outcome in outcomes for write in outcome["writes"]]


def most_at_once(writes: list[dict]) -> int:
    events = sorted([(w["started"], 1) for w in writes] + [(w["finished"], -1) for w in writes])
    running = peak = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    return peak


def test_many_staff_saving_and_importing_at_once(engine, database_url, tmp_path):
    plan = ["form"] * FORM_WRITERS + ["import"] * IMPORT_WRITERS
    writes = Writers(database_url, tmp_path, plan, WRITE_SECONDS).writes()

    assert most_at_once(writes) >= 4, "the writers never overlapped"
    with read_session(engine) as session:
        batches = pd.DataFrame(session.execute(select(ImportBatch.id, ImportBatch.created, ImportBatch.updated,
                                                      ImportBatch.unchanged)).all(),
                               columns=["batch_id", "created", "updated", "unchanged"])
        revisions = pd.DataFrame(session.execute(select(
            ReadingRevision.id, ReadingRevision.batch_id, ReadingRevision.note, ReadingRevision.locality_code,
            ReadingRevision.indicator_code, ReadingRevision.year)).all(),
            columns=["id", "batch_id", "note", "locality_code", "indicator_code", "year"])
        readings = pd.DataFrame(session.execute(select(
            Reading.locality_code, Reading.indicator_code, Reading.year, Reading.note, Reading.batch_id)).all(),
            columns=["locality_code", "indicator_code", "year", "note", "batch_id"])

    # Every write is there exactly once, with the counts its writer was told.
    told = pd.DataFrame(writes)
    assert sorted(told["batch_id"]) == sorted(batches["batch_id"])
    stored = batches.set_index("batch_id").sort_index()
    assert (told.set_index("batch_id").sort_index()[["created", "updated", "unchanged"]] == stored).all().all()
    assert (told["unchanged"] == 0).all() and (told["created"] + told["updated"] == told["notes"].map(len)).all()

    # The history holds one revision per row of every write, and nothing else.
    written = told[["batch_id", "notes"]].explode("notes").rename(columns={"notes": "note"})
    assert sorted(map(tuple, written.to_numpy())) == sorted(map(tuple, revisions[["batch_id", "note"]].to_numpy()))

    # "Created" was counted exactly once per reading, by the write that came first in the history.
    key = ["locality_code", "indicator_code", "year"]
    first = revisions.sort_values("id").drop_duplicates(key)
    assert first.groupby("batch_id").size().reindex(stored.index, fill_value=0).tolist() == stored["created"].tolist()
    assert len(readings) == len(first) == stored["created"].sum()

    # Each reading shows the last figure of its history.
    last = revisions.sort_values("id").drop_duplicates(key, keep="last")
    shown = readings.merge(last, on=key, suffixes=("", "_last"))
    assert len(shown) == len(readings)
    assert (shown["note"] == shown["note_last"]).all() and (shown["batch_id"] == shown["batch_id_last"]).all()
