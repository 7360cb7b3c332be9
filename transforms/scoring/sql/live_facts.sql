-- Live facts over the whole warehouse (QUALITY.md, sống): the deaths delivered tonight (by
-- this run or an earlier run of the same night) judge the current records already in core:
-- visits admitted after the death, benefits still active, licences still active, health
-- checks still valid. Tonight's own rows were judged by the datasets' set rules already.
-- Core is read through the night's views (seg_core__<dataset>: transforms.warehouse.segments
-- .night_view): tonight's deaths are found by their run ids and the records they judge by
-- the dead people's ids, and the Parquet scans skip the row groups that cannot hold them.
DELETE FROM wh.dq.live_facts WHERE run_date = $run_date;

INSERT INTO wh.dq.live_facts BY NAME
WITH night_runs AS (
    SELECT run_id FROM wh.meta.runs WHERE run_date = $run_date
    UNION ALL
    SELECT $run_id
),

dead AS (
    SELECT person_id, notice_no, died_at
    FROM seg_core__deaths
    WHERE _run_id IN (SELECT run_id FROM night_runs)
      AND person_id IS NOT NULL AND died_at IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY person_id ORDER BY died_at, notice_no) = 1
),

visits AS (
    SELECT 'visits' AS dataset, concat_ws('|', v.facility_code, v.visit_id) AS record_key
         , v.province_code, 'visits.admitted_at.after_death' AS rule_id, d.notice_no, d.died_at
    FROM seg_core__visits AS v
    JOIN dead AS d ON d.person_id = v.patient_id
    WHERE v.admitted_at > d.died_at
      AND v._run_id NOT IN (SELECT run_id FROM night_runs)
),

benefits AS (
    SELECT 'social_protection' AS dataset, b.beneficiary_id AS record_key, b.province_code
         , 'social_protection.person_id.dead' AS rule_id, d.notice_no, d.died_at
    FROM seg_core__social_protection AS b
    JOIN dead AS d USING (person_id)
    WHERE (b.benefit_end IS NULL OR b.benefit_end >= $run_date)
      AND b._run_id NOT IN (SELECT run_id FROM night_runs)
),

licences AS (
    SELECT 'practitioners' AS dataset, p.license_no AS record_key, NULL::VARCHAR AS province_code
         , 'practitioners.status.dead' AS rule_id, d.notice_no, d.died_at
    FROM seg_core__practitioners AS p
    JOIN dead AS d USING (person_id)
    WHERE p.status = 'active'
      AND p._run_id NOT IN (SELECT run_id FROM night_runs)
),

checks AS (
    SELECT 'health_checks' AS dataset, h.check_id AS record_key, h.province_code
         , 'health_checks.valid_until.dead' AS rule_id, d.notice_no, d.died_at
    FROM seg_core__health_checks AS h
    JOIN dead AS d USING (person_id)
    WHERE h.valid_until >= d.died_at::DATE
      AND h._run_id NOT IN (SELECT run_id FROM night_runs)
),

facts AS (
    SELECT * FROM visits
    UNION ALL SELECT * FROM benefits
    UNION ALL SELECT * FROM licences
    UNION ALL SELECT * FROM checks
),

final AS (
    SELECT $run_date AS run_date, dataset, record_key, province_code, rule_id
         , format('giấy báo tử {} ngày {} | death notice {} of {}', notice_no
                  , strftime(died_at, '%d/%m/%Y'), notice_no, strftime(died_at, '%Y-%m-%d'))
           AS fact
    FROM facts
)

SELECT * FROM final ORDER BY dataset, record_key;
