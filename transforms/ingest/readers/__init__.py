"""One reader per landing format (CSV, XLSX, JSON, claims XML).

Each reader turns a file into batches of text columns named by the file's own headers;
`transforms.ingest.reading.read_batches` picks the reader by extension and checks the content
really is that format first.
"""
