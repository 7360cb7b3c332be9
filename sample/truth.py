"""Score a run against the ground truth that `vnhealth generate` wrote (CONTRACT.md §2).

Reads the truth CSVs and both DuckDB files (read-only) and reports recall of planted
errors under their criterion, planted warnings loaded and flagged, clean rows untouched,
file statuses, and row accounting per file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from transforms.sqlfiles import scalar
from validations.registry import DATASETS


@dataclass
class TruthScore:
    planted_errors: int = 0
    errors_caught: int = 0  # quarantined with a failure under the planted criterion
    planted_warnings: int = 0
    warnings_flagged: int = 0  # loaded, with a warning under the planted criterion
    clean_rows_touched: int = 0  # unplanted rows quarantined or flagged
    files_expected: int = 0
    files_as_expected: int = 0
    old_communes: int = 0  # clean rows delivering a pre-2025 commune code ...
    old_communes_mapped: int = 0  # ... loaded with its successor, the delivered code kept
    accounting_broken: list[str] = field(default_factory=list)
    misses: list[tuple] = field(default_factory=list)
    false_alarms: list[tuple] = field(default_factory=list)

    @property
    def error_recall(self) -> float:
        return self.errors_caught / self.planted_errors if self.planted_errors else 1.0

    @property
    def warning_recall(self) -> float:
        return self.warnings_flagged / self.planted_warnings if self.planted_warnings else 1.0


def score(landing: Path, run_date: date, warehouse: Path, restricted: Path) -> TruthScore:
    truth = landing / "_truth" / run_date.isoformat()
    out = TruthScore()
    con = duckdb.connect()
    con.execute(f"ATTACH '{warehouse}' AS wh (READ_ONLY)")
    con.execute(f"ATTACH '{restricted}' AS rs (READ_ONLY)")
    for table in ("defects", "files"):
        con.execute(
            f"CREATE TEMP TABLE {table} AS SELECT * FROM read_csv($path, all_varchar = true)",
            {"path": str(truth / f"{table}.csv")},
        )
    # Only the rows of this night's files: the warehouse also holds earlier nights, whose
    # quarantined and flagged rows are not in this night's truth. A row is (source_file,
    # dataset, row_number): a claims package numbers the rows of each dataset it delivers
    # from 1, as its truth does.
    con.execute("""CREATE TEMP TABLE q AS SELECT source_file, dataset,
                   row_number::VARCHAR AS row_number,
                   list(DISTINCT criterion) AS criteria FROM rs.quarantine.rows
                   WHERE source_file IN (SELECT source_file FROM files) GROUP BY ALL""")
    core = " UNION ALL ".join(
        f"SELECT _source_file AS source_file, '{ds}' AS dataset, "
        f"_source_row::VARCHAR AS row_number, _warnings FROM wh.core.{ds}"
        for ds in DATASETS
    )
    con.execute(f"""CREATE TEMP TABLE w AS
        SELECT c.source_file, c.dataset, c.row_number, list(DISTINCT r.criterion) AS criteria
        FROM ({core}) AS c, unnest(c._warnings) AS u(rule_id) JOIN wh.dq.rules r USING (rule_id)
        WHERE c.source_file IN (SELECT source_file FROM files)
        GROUP BY ALL""")
    errors = con.execute("""
        SELECT d.source_file, d.row_number, d.kind, d.criterion,
               coalesce(list_contains(q.criteria, d.criterion), false)
        FROM defects d LEFT JOIN q USING (source_file, dataset, row_number)
        WHERE d.severity = 'error'""").fetchall()
    out.planted_errors = len(errors)
    out.errors_caught = sum(1 for *_, ok in errors if ok)
    out.misses += [e[:4] for e in errors if not e[4]]
    warnings = con.execute("""
        SELECT d.source_file, d.row_number, d.kind, d.criterion,
               coalesce(list_contains(w.criteria, d.criterion), false) AND q.source_file IS NULL
        FROM defects d LEFT JOIN w USING (source_file, dataset, row_number)
        LEFT JOIN q USING (source_file, dataset, row_number)
        WHERE d.severity = 'warning'""").fetchall()
    out.planted_warnings = len(warnings)
    out.warnings_flagged = sum(1 for *_, ok in warnings if ok)
    out.misses += [w[:4] for w in warnings if not w[4]]
    touched = con.execute("""
        SELECT source_file, dataset, row_number, criteria FROM (
            SELECT * FROM q UNION ALL SELECT * FROM w) AS t
        ANTI JOIN defects USING (source_file, dataset, row_number)""").fetchall()
    out.clean_rows_touched = len({(f, d, r) for f, d, r, _ in touched})
    out.false_alarms = touched[:50]
    out.old_communes, out.old_communes_mapped = _old_communes(con, truth)
    files = con.execute(
        """
        SELECT f.source_file, f.expected_status, m.status
        FROM files f LEFT JOIN (
            SELECT * FROM wh.meta.files WHERE run_date = $d
            QUALIFY row_number() OVER (PARTITION BY source_file ORDER BY processed_at) = 1
        ) m USING (source_file)""",
        {"d": run_date},
    ).fetchall()
    out.files_expected = len(files)
    out.files_as_expected = sum(1 for _, exp, got in files if exp == got)
    out.accounting_broken = [
        r[0]
        for r in con.execute(
            "SELECT source_file FROM wh.meta.files WHERE rows_in <> rows_loaded + rows_quarantined"
        ).fetchall()
    ]
    return out


def _old_communes(con: duckdb.DuckDBPyConnection, truth: Path) -> tuple[int, int]:
    """(clean rows planted with a pre-2025 commune code, those loaded with its successor and
    the delivered code in `<column>_original`). A truth written before there were any has no
    file: none planted."""
    path = truth / "old_communes.csv"
    if not path.is_file():
        return 0, 0
    con.execute(
        "CREATE TEMP TABLE old_communes AS SELECT * FROM read_csv($path, all_varchar = true)",
        {"path": str(path)},
    )
    planted = con.execute("SELECT count(*) FROM old_communes").fetchone()
    mapped = 0
    for dataset, column in con.execute(
        'SELECT DISTINCT dataset, "column" FROM old_communes ORDER BY ALL'
    ).fetchall():
        # identifiers from the registry only (the truth names a dataset and its column)
        ds = DATASETS[dataset]
        col = ds.column(column).name
        row = con.execute(
            f"""SELECT count(*) FROM old_communes AS o JOIN wh.core.{ds.id} AS c
                ON c._source_file = o.source_file AND c._source_row = o.row_number::BIGINT
                WHERE o.dataset = $d AND o."column" = $c
                  AND c.{col} = o.successor AND c.{col}_original = o.delivered""",
            {"d": dataset, "c": column},
        ).fetchone()
        mapped += row[0] if row else 0
    return (planted[0] if planted else 0), mapped


@dataclass
class AnomalyScore:
    """How the plausibility checks did against `_truth/anomalies.csv` over the nights run."""

    planted: int = 0
    found: int = 0
    by_check: dict[str, tuple[int, int]] = field(default_factory=dict)  # check: (found, planted)
    false_findings: int = 0  # findings on clean series (no planted anomaly there that night)
    explained: int = 0  # findings on series a plant moves as a consequence (truth role moved)
    judged: int = 0  # series and file layouts judged on the nights run (plausibility_summary)
    misses: list[tuple] = field(default_factory=list)
    false: list[tuple] = field(default_factory=list)

    @property
    def false_per_1000(self) -> float:
        return 1000 * self.false_findings / self.judged if self.judged else 0.0


def score_anomalies(landing: Path, warehouse: Path) -> AnomalyScore | None:
    """Recall per check of the planted anomalies and the findings on clean series, over the
    nights the warehouse holds; None without `_truth/anomalies.csv` (a single night). A
    planted anomaly is found when a finding of its check names its source (or province)
    and dataset that night; a schema change when dq.schema_changes notes a change of its
    kind (column_added, header_moved, sheet_changed, ...) for its source and dataset that
    night. A finding on a series the truth lists as moved by a plant (role `moved`) is
    explained, not false; any other finding, a schema change too, is false. Judged: the
    series checked and the files whose layout was compared (dq.plausibility_summary)."""
    path = landing / "_truth" / "anomalies.csv"
    if not path.exists():
        return None
    out = AnomalyScore()
    con = duckdb.connect()
    con.execute(f"ATTACH '{warehouse}' AS wh (READ_ONLY)")
    con.execute(
        "CREATE TEMP TABLE truth AS SELECT * FROM read_csv($p, all_varchar = true)",
        {"p": str(path)},
    )
    columns = [c for (c,) in con.execute("SELECT column_name FROM (DESCRIBE truth)").fetchall()]
    role = "role" if "role" in columns else "'planted'"  # a truth written before roles
    con.execute(f"CREATE TEMP TABLE planted AS SELECT * FROM truth WHERE {role} = 'planted'")
    con.execute("""CREATE TEMP TABLE nights AS SELECT DISTINCT run_date::VARCHAR AS run_date
                   FROM wh.dq.plausibility_summary""")
    rows = con.execute("""
        SELECT p.run_date, p."check", p.kind, p.source, p.dataset,
               CASE WHEN p."check" = 'schema' THEN EXISTS (
                        SELECT 1 FROM wh.dq.schema_changes c
                        WHERE c.run_date::VARCHAR = p.run_date AND c.source = p.source
                          AND c.dataset = p.dataset AND c.change = p.kind)
                    ELSE EXISTS (
                        SELECT 1 FROM wh.dq.anomalies a
                        WHERE a.run_date::VARCHAR = p.run_date AND a."check" = p."check"
                          AND a.dataset = p.dataset
                          AND (a.source = p.source OR a.province_code = p.province_code))
               END AS found
        FROM planted AS p JOIN nights USING (run_date)
        ORDER BY ALL""").fetchall()
    # A broken pair spans several nights (the first ones may still look plausible over the
    # pair's window): found if found on any of them. Every other anomaly is one night's.
    spans: dict[tuple, bool] = {}
    for run_date, check, kind, source, dataset, found in rows:
        key = (
            (check, kind, source, dataset)
            if check == "indicator_pair"
            else (run_date, check, kind, source, dataset)
        )
        spans[key] = spans.get(key, False) or bool(found)
    for key, found in spans.items():
        check = key[0] if key[0] == "indicator_pair" else key[1]
        f, n = out.by_check.get(check, (0, 0))
        out.by_check[check] = (f + found, n + 1)
        if not found:
            out.misses.append(key)
    out.planted, out.found = len(spans), sum(spans.values())
    out.false = con.execute("""
        SELECT a.run_date::VARCHAR, a."check", coalesce(a.source, a.province_code), a.dataset,
               a.message_en
        FROM wh.dq.anomalies AS a
        WHERE NOT EXISTS (
            SELECT 1 FROM truth AS p
            WHERE p."check" = a."check" AND p.dataset = a.dataset
              AND (p.source = a.source OR p.province_code = a.province_code)
              AND (p.run_date = a.run_date::VARCHAR
                   -- a pair's window keeps a broken pair in sight for its nights
                   OR (p."check" = 'indicator_pair'
                       AND a.run_date BETWEEN p.run_date::DATE AND p.run_date::DATE + 7)))
        UNION ALL
        SELECT c.run_date::VARCHAR, 'schema', c.source, c.dataset, c.change || ': ' || c.detail
        FROM wh.dq.schema_changes AS c
        WHERE NOT EXISTS (
            SELECT 1 FROM truth AS p
            WHERE p."check" = 'schema' AND p.dataset = c.dataset AND p.source = c.source
              AND p.run_date = c.run_date::VARCHAR)
        ORDER BY ALL""").fetchall()
    out.false_findings = len(out.false)
    out.explained = int(
        scalar(
            con,
            """SELECT count(*) FROM wh.dq.anomalies AS a
               WHERE EXISTS (
                   SELECT 1 FROM truth AS p
                   WHERE p.role = 'moved' AND p."check" = a."check" AND p.dataset = a.dataset
                     AND (p.source = a.source OR p.province_code = a.province_code)
                     AND p.run_date = a.run_date::VARCHAR)
               AND NOT EXISTS (
                   SELECT 1 FROM planted AS p
                   WHERE p."check" = a."check" AND p.dataset = a.dataset
                     AND (p.source = a.source OR p.province_code = a.province_code)
                     AND p.run_date = a.run_date::VARCHAR)"""
            if role == "role"
            else "SELECT 0",
        )
    )
    # A schema change the night after a planted one: the source's usual layout, back.
    out.explained += int(
        scalar(
            con,
            """SELECT count(*) FROM wh.dq.schema_changes AS c
               WHERE EXISTS (
                   SELECT 1 FROM truth AS p
                   WHERE p.role = 'moved' AND p."check" = 'schema' AND p.dataset = c.dataset
                     AND p.source = c.source AND p.run_date = c.run_date::VARCHAR)"""
            if role == "role"
            else "SELECT 0",
        )
    )
    out.judged = int(
        scalar(
            con,
            "SELECT coalesce(sum(checked), 0) FROM wh.dq.plausibility_summary",
        )
    )
    return out
