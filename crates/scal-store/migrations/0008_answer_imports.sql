-- How each answer was last changed, for answer import's conflict detection: the export stamp
-- (microseconds since the epoch) of the workbook whose import wrote it, or NULL when it was last
-- written any other way (the form, the API's single-answer save, linking evidence). With
-- `updated_by`, it tells a supplier's own earlier import of the same workbook (not a conflict when
-- they import an edited copy again) from a change made after the export by anyone else, or by
-- them through another path (a conflict).
ALTER TABLE answers ADD COLUMN imported_from BIGINT;
