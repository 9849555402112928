-- A series' own rows over a time range (a query filtered by source, model … or a re-rate of some
-- models): without this index a plan that goes series by series walks the whole range of
-- spend_total's primary key (bucket_start, series_id) once per series (bench/README.md, 2026-12-02
-- afternoon: 88 s for a re-rate's first statement, against 0.16 s).
create index spend_total_series on spend_total (series_id, bucket_start);
