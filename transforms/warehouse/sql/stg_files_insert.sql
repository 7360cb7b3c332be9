-- One of tonight's files of the dataset being finished (flows/nightly.py, per file).
INSERT INTO stg_files (
    _file_id, source_file, source, province_code, dataset, sha256
  , header_row, sheet_name, sheet_index
)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
