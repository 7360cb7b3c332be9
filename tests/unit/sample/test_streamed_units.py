"""Memory flat with the scale (issue 18 item 4): the provincial units that used to be made
whole (births, workforce, health checks, immunizations) and the procedures' catalogue are
made, planted and written a part at a time, and the truth of the parts joins into each
file's truth."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date

import openpyxl

from sample.generate import night, population
from sample.generate.history import generate_nights
from sample.generate.night import NightSpec, generate
from sample.generate.writers import province_layout
from tests.unit.sample.test_generate import _decoded
from transforms.reference import load

RUN_DATE = date(2026, 11, 24)
STREAMED = ("births", "workforce", "health_checks", "immunizations", "procedures")
PART = 2  # rows a part, so that a province's few rows at scale 0.05 come in several


def test_a_streamed_unit_hands_over_parts_whose_truth_joins_into_the_files(tmp_path, monkeypatch):
    """Every part the night writes of these datasets holds at most `PART` rows (the last of
    an immunizations file may add its clean dose-n rows and its inconsistent group), each
    file comes in several parts numbered on from the one before, and the parts make one
    file whose planted rows are numbered across them."""
    monkeypatch.setattr(population, "CHUNK", PART)
    parts: dict[str, list[tuple[int, int, bool]]] = defaultdict(list)
    write = night._Night.write

    def recording(self, o, truth, stamps):
        name = o.rel.split("/")[-1].split(".")[0]
        if name in STREAMED:
            parts[o.rel].append((o.offset, len(o.rows), o.continues))
        write(self, o, truth, stamps)

    monkeypatch.setattr(night._Night, "write", recording)
    generate(tmp_path, NightSpec(run_date=RUN_DATE, scale=0.05, seed=2), load())

    seen = {rel.split("/")[-1].split(".")[0] for rel in parts}
    assert seen == set(STREAMED)
    with (tmp_path / "_truth" / RUN_DATE.isoformat() / "defects.csv").open(encoding="utf-8") as fh:
        planted: dict[str, list[int]] = defaultdict(list)
        for d in csv.DictReader(fh):
            planted[d["source_file"]].append(int(d["row_number"]))
    beyond_first = set()
    for rel, written in parts.items():
        name = rel.split("/")[-1].split(".")[0]
        assert len(written) > 1, rel  # a whole province would be one part
        offset = 0
        for n, (at, rows, continues) in enumerate(written):
            last = n == len(written) - 1
            assert (at, continues) == (offset, n > 0), rel
            assert rows <= PART or (last and name == "immunizations"), (rel, n, rows)
            offset += rows
        lines = _decoded((tmp_path / rel).read_bytes()).splitlines()
        assert len(lines) == 1 + offset, rel  # one header, every part's rows
        assert all(1 <= r <= offset for r in planted[rel]), rel
        if any(r > PART for r in planted[rel]):
            beyond_first.add(name)
    assert beyond_first == set(STREAMED)  # truth numbered across the parts


def test_a_history_made_in_parts_writes_whole_workbooks(tmp_path, monkeypatch):
    """A history's births workbooks are written once, with every part's rows, and its
    immunizations are aligned with the births over the whole file, not a part."""
    monkeypatch.setattr(population, "CHUNK", PART)
    spec = NightSpec(run_date=RUN_DATE, scale=0.05, seed=3)
    generate_nights(tmp_path, spec, 2, load())
    books = sorted((tmp_path / RUN_DATE.isoformat()).glob("p*/births.xlsx"))
    assert books
    for path in books:
        sheet = openpyxl.load_workbook(io.BytesIO(path.read_bytes()), read_only=True).active
        assert sum(1 for _ in sheet.iter_rows()) == 1 + 5, path  # header + a province's births
    truth = tmp_path / "_truth" / RUN_DATE.isoformat()
    planted = set()  # rows with anything planted (notes too: they are not copied from)
    for name in ("defects.csv", "old_communes.csv"):
        with (truth / name).open(encoding="utf-8") as fh:
            planted |= {(d["source_file"], int(d["row_number"])) for d in csv.DictReader(fh)}
    checked = 0
    provinces = list(load().provinces)
    for path in sorted((tmp_path / RUN_DATE.isoformat()).glob("p*/immunizations.csv")):
        if not list(path.parent.glob("births.*")):
            continue  # a missing delivery: nothing to align with
        rel = str(path.relative_to(tmp_path))
        layout = province_layout(provinces.index(path.parent.name[1:]))
        text = _decoded(path.read_bytes())
        body = list(csv.reader(io.StringIO(text), delimiter=layout.delimiter))[1:]
        bcg = sum(
            1
            for n, row in enumerate(body, start=1)
            if (rel, n) not in planted and (row[3], row[4]) == ("BCG", "1")
        )
        # As many clean BCG doses as the province's 5 births over the file (aligned part by
        # part, each part would have had its own).
        assert bcg == 5, rel
        checked += 1
    assert checked >= len(provinces) - 2  # all but a missing births and immunizations
